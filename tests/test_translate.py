"""Translation assembly, exactly, with deterministic stand-in engines (tests/standins.py):
batching, cache, glossary, pivot, guards, fidelity, modes and offsets."""

from __future__ import annotations

import pytest

from normalize.fidelity import guard_output, has_repetition, protected_tokens, split_fragment, to_quotes
from normalize.glossary import Entry, Glossary
from normalize.pipeline import normalize_batch, normalize_text
from normalize.translate import FragmentTranslator, Hop, MemoryCache, Request, find_route
from tests.standins import StandIn, table

BYLINE = "已發表 26 05, 2020 作者 CEO"
GLOSSARY = Glossary(
    (
        Entry("zh-Hant", "已發表", "Posted"),
        Entry("zh", "作者", "by"),
        Entry("ru", "не только", "not only"),
    )
)


def foreign(result):
    return [c for c in result.changes if c.kind == "foreign"]


def check_offsets(result):
    """Every change maps exactly, and applying them to the original gives the cleaned text."""
    rebuilt, pos = [], 0
    for c in result.changes:
        assert result.original_text[c.orig_start : c.orig_end] == c.original
        assert result.cleaned_text[c.new_start : c.new_end] == c.replacement
        rebuilt += [result.original_text[pos : c.orig_start], c.replacement]
        pos = c.orig_end
    rebuilt.append(result.original_text[pos:])
    assert "".join(rebuilt) == result.cleaned_text


# --- batching and the cache ------------------------------------------------------------


DOCS = [
    "The site says не только here. Later it says За головы again.",
    "Another page says не только too, and 這本書 in Chinese.",
    "A third page: не только, and 這本書 once more.",
]


def test_batch_sends_each_pair_once_and_each_text_once():
    engine = StandIn(answer=table({"не только": "not only", "За головы": "for the heads", "這本書": "this book"}))
    tr = FragmentTranslator(engine)
    results = normalize_batch(DOCS, tr)
    # Two language pairs, so two engine calls for three documents; "не только" (3x) and
    # "這本書" (2x) are sent once each.
    assert sorted((h.source, sorted(texts)) for h, texts in engine.calls) == [
        ("ru", ["За головы", "не только"]),
        ("zh-Hant", ["這本書"]),
    ]
    assert tr.stats.engine_calls == 2 and tr.stats.engine_texts == 3
    assert [r.cleaned_text for r in results] == [
        "The site says not only here. Later it says for the heads again.",
        "Another page says not only too, and this book in Chinese.",
        "A third page: not only, and this book once more.",
    ]
    for r in results:
        check_offsets(r)


def test_cache_answers_the_second_run():
    cache = MemoryCache()
    answer = table({"не только": "not only", "За головы": "for the heads", "這本書": "this book"})
    first_engine, second_engine = StandIn(answer=answer), StandIn(answer=answer)
    first = normalize_batch(DOCS, FragmentTranslator(first_engine, cache))
    second_tr = FragmentTranslator(second_engine, cache)
    second = normalize_batch(DOCS, second_tr)
    assert second_engine.calls == []
    assert second_tr.stats.cache_hits == 3 and second_tr.stats.cache_misses == 0
    assert [r.cleaned_text for r in second] == [r.cleaned_text for r in first]
    assert {c.cache for r in first for c in foreign(r)} == {"miss"}
    assert {c.cache for r in second for c in foreign(r)} == {"hit"}
    assert second[0].summary()["from_cache"] == 2
    assert set(cache.data) == {
        ("standin-ru_en", "7", "не только"),
        ("standin-ru_en", "7", "За головы"),
        ("standin-zh-Hant_en", "7", "這本書"),
    }


def test_cache_is_keyed_by_model_version():
    cache = MemoryCache()
    normalize_text(DOCS[0], FragmentTranslator(StandIn(version="1"), cache))
    newer = StandIn(version="2")
    normalize_text(DOCS[0], FragmentTranslator(newer, cache))
    assert len(newer.calls) == 1  # a new model version is not answered from the old one


def test_engine_failure_leaves_fragments_untranslated_and_spares_other_pairs():
    class Flaky(StandIn):
        def run(self, hop, texts):
            if hop.source == "ru":
                raise RuntimeError("model file corrupt")
            return super().run(hop, texts)

    tr = FragmentTranslator(Flaky(answer=table({"這本書": "this book"})))
    r = normalize_text(DOCS[1], tr)
    ru, zh = foreign(r)
    assert (ru.status, ru.reason, ru.replacement) == (
        "untranslated",
        "engine failed: RuntimeError: model file corrupt",
        "не только",
    )
    assert (zh.status, zh.replacement) == ("translated", "this book")
    assert tr.stats.engine_errors == 1
    check_offsets(r)


# --- glossary -------------------------------------------------------------------------


def test_glossary_wins_over_the_model():
    engine = StandIn(answer=table({"За головы": "for the heads"}))
    r = normalize_text(DOCS[0], FragmentTranslator(engine, glossary=GLOSSARY))
    first, second = foreign(r)
    assert (first.replacement, first.engine, first.model, first.route, first.cache) == (
        "not only",
        "glossary",
        None,
        None,
        None,
    )
    assert (second.replacement, second.engine, second.route) == ("for the heads", "standin", ("ru", "en"))
    assert [texts for _, texts in engine.calls] == [["За головы"]]


def test_glossary_matches_after_normalisation_and_by_language_prefix():
    g = Glossary((Entry("zh", "作者", "by"), Entry("zh-Hant", "作者", "author"), Entry("ru", "Не  только", "not only")))
    assert g.lookup("作者", "zh-Hant", "en") == "author"  # the most specific tag wins
    assert g.lookup("作者", "zh-Hans", "en") == "by"
    assert g.lookup("не\u00a0ТОЛЬКО", "ru", "en-GB") == "not only"
    assert g.lookup("не только", "uk", "en") is None
    assert g.lookup("не только", "ru", "de") is None  # entries default to target en
    assert g.lookup("не только что", "ru", "en") is None  # exact match only


def test_byline_keeps_its_date_with_glossary_words():
    r = normalize_text(BYLINE + "\n\nThe article follows here in English.", FragmentTranslator(None, glossary=GLOSSARY))
    [byline] = foreign(r)
    assert byline.original == "已發表 26 05, 2020 作者"
    assert byline.replacement == "Posted 26 05, 2020 by"
    assert (byline.status, byline.engine) == ("translated", "glossary")
    assert r.cleaned_text.startswith("Posted 26 05, 2020 by CEO\n")
    check_offsets(r)


def test_glossary_pieces_and_model_pieces_combine():
    g = Glossary((Entry("zh-Hant", "已發表", "Posted"),))
    engine = StandIn(answer=table({"作者": "author"}))
    [t] = FragmentTranslator(engine, glossary=g).translate_all([Request("已發表 26 05, 2020 作者", "zh-Hant", "Han")])
    assert (t.text, t.engine, t.route) == ("Posted 26 05, 2020 author", "glossary+standin", ("zh-Hant", "en"))
    assert [texts for _, texts in engine.calls] == [["作者"]]


def test_glossary_without_engine_covering_part_of_a_fragment_is_untranslated():
    g = Glossary((Entry("zh-Hant", "已發表", "Posted"),))
    [t] = FragmentTranslator(None, glossary=g).translate_all([Request("已發表 26 05, 2020 作者", "zh-Hant", "Han")])
    assert (t.status, t.text, t.reason) == ("untranslated", None, "no translation engine")


# --- fidelity ---------------------------------------------------------------------------


def test_numbers_lost_by_the_model_are_kept_by_translating_between_them():
    def drops_numbers(text, hop):
        words = {"已發表": "Published", "作者": "author"}
        return " ".join(words.get(w, "published on") for w in text.split() if not w[0].isdigit())

    engine = StandIn(answer=drops_numbers)
    [t] = FragmentTranslator(engine).translate_all([Request("已發表 26 05, 2020 作者", "zh-Hant", "Han")])
    assert t.text == "Published 26 05, 2020 author"
    # First the whole fragment (numbers lost), then the two pieces in one call.
    assert [texts for _, texts in engine.calls] == [["已發表 26 05, 2020 作者"], ["作者", "已發表"]]


def test_whole_translation_that_keeps_numbers_is_used():
    engine = StandIn(answer=lambda text, hop: "On 26 05, 2020 it was posted by the author")
    [t] = FragmentTranslator(engine).translate_all([Request("已發表 26 05, 2020 作者", "zh-Hant", "Han")])
    assert t.text == "On 26 05, 2020 it was posted by the author"
    assert len(engine.calls) == 1


def test_urls_emails_and_latin_names_are_never_sent():
    prefix, pieces, suffix = split_fragment(
        "«學名：Pinus armandii, 見 https://zh.wikipedia.org/wiki/華山松 或 info@example.org»", "Han"
    )
    assert (prefix, suffix) == ("«", "»")
    assert [p.text for p in pieces if p.translate] == ["學名", "見", "或"]
    kept = "".join(p.text for p in pieces if not p.translate)
    for token in ("Pinus armandii", "https://zh.wikipedia.org/wiki/華山松", "info@example.org"):
        assert token in kept


def test_split_fragment_round_trips():
    for text, script in [(BYLINE, "Han"), ("За «головы»", "Cyrillic"), ("(не только)", "Cyrillic"), ("«»", "Cyrillic")]:
        prefix, pieces, suffix = split_fragment(text, script)
        assert prefix + "".join(p.text for p in pieces) + suffix == text


def test_protected_tokens():
    assert protected_tokens("В 2020 году, 26.05.2020 в 10:30, 15% и https://ru.wikipedia.org/wiki/Байкал.") == [
        "2020",
        "26.05.2020",
        "10:30",
        "15%",
        "https://ru.wikipedia.org/wiki/Байкал",
    ]


@pytest.mark.parametrize(
    ("text", "target", "expected"),
    [
        ("За «головы»", "en", "За “головы”"),
        ("„Kopf“ und ‚Hand‘", "en", "“Kopf” und ‘Hand’"),
        ("“heads”", "ru", "«heads»"),
        ("「頭」", "en", "“頭”"),
        ("«la “tête”»", "en", "“la “tête””"),
        ("don’t «stop»", "de", "don’t „stop“"),
    ],
)
def test_quotes_follow_the_target_convention(text, target, expected):
    assert to_quotes(text, target) == expected


def test_quoted_heading_is_sent_with_target_quotes_and_comes_back_converted():
    engine = StandIn(answer=table({"За “головы”": "Behind «heads»"}))
    r = normalize_text("За «головы» The rewards were offered.", FragmentTranslator(engine))
    assert engine.calls[0][1] == ["За “головы”"]
    assert r.cleaned_text == "Behind “heads” The rewards were offered."
    check_offsets(r)


def test_cjk_fragment_between_english_words_gets_spaces():
    engine = StandIn(answer=table({"作者": "author"}))
    r = normalize_text("The article was written by作者and published later today.", FragmentTranslator(engine))
    assert r.cleaned_text == "The article was written by author and published later today."
    check_offsets(r)


@pytest.mark.parametrize(
    ("text", "answer", "expected"),
    [
        # Mid-sentence, a lowercase source: the engine's sentence capital is dropped.
        (
            "Russia may become a target since не только the largest banks keep money.",
            "Not only",
            "since not only the largest",
        ),
        # Sentence start: capitalised.
        ("Sentence one ends here. не только the banks keep money abroad.", "not only", "here. Not only the banks"),
        # A capitalised source word keeps its capital mid-sentence (a name).
        ("He flew to Москва on Monday to meet the ministers.", "Moscow", "flew to Moscow on Monday"),
        # No case in the source: a stop word loses the capital, a name keeps it.
        ("They read 這本書 every evening at home.", "The book", "They read the book every"),
        ("They flew to 北京 every summer for work.", "Beijing", "flew to Beijing every"),
    ],
)
def test_capitalisation_follows_the_position(text, answer, expected):
    engine = StandIn(pairs=(("ru", "en"), ("zh-Hant", "en"), ("zh-Hans", "en")), answer=lambda t, h: answer)
    r = normalize_text(text, FragmentTranslator(engine))
    assert expected in r.cleaned_text, (r.cleaned_text, [(f.text, f.lang) for f in r.findings])
    check_offsets(r)


# --- guards -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "output", "reason"),
    [
        ("не только", "", "rejected: empty output"),
        ("не только", " … ", "rejected: empty output"),
        ("За головы", "for the heads for the heads for the heads", "rejected: repetition"),
        ("За головы", "ПтоПтоПто", "rejected: repetition"),
        ("не", "a very long answer that goes on and on about nothing at all, far past any sense", "rejected: too long"),
        ("Сегодня хорошая погода, и мы идём гулять по набережной.", "ok", "rejected: too short"),
        ("Сегодня хорошая погода", "Сегодня хорошая погода", "rejected: source script"),
        ("今天天气很好", "今天 weather", "rejected: source script"),
    ],
)
def test_guard_rejects(source, output, reason):
    assert guard_output(source, output) == reason


@pytest.mark.parametrize(
    ("source", "output"),
    [
        ("не только", "not only"),
        ("нет нет нет", "no no no"),
        ("ха-ха-ха-ха", "hahaha"),
        ("作者", "author"),
        ("已發表", "Posted"),
        ("Москва", "Moscow"),
        ("北京是中国的首都。", "Beijing is the capital of China."),
    ],
)
def test_guard_accepts(source, output):
    assert guard_output(source, output) is None


@pytest.mark.parametrize("text", ["the cat the cat the cat", "no no no", "ПтоПтоПто", "的的的的"])
def test_has_repetition(text):
    assert has_repetition(text)


@pytest.mark.parametrize("text", ["no no", "a b a b a", "Wait...", "www.example.com", "Mississippi", "的的的"])
def test_no_repetition(text):
    assert not has_repetition(text)


@pytest.mark.parametrize(
    ("misbehaviour", "reason"),
    [
        (lambda t, h: "", "rejected: empty output"),
        (lambda t, h: "not not not not", "rejected: repetition"),
        (lambda t, h: "x " * 60, "rejected: repetition"),
        (lambda t, h: " ".join(f"word{chr(97 + i % 26)}{chr(97 + i // 26)}" for i in range(40)), "rejected: too long"),
        (lambda t, h: t, "rejected: source script"),
    ],
)
def test_rejected_translation_keeps_the_fragment_and_says_why(misbehaviour, reason):
    r = normalize_text(DOCS[0], FragmentTranslator(StandIn(answer=misbehaviour)))
    for c in foreign(r):
        assert (c.status, c.reason, c.replacement) == ("rejected", reason, c.original)
    assert r.cleaned_text == DOCS[0]
    check_offsets(r)


# --- routes -----------------------------------------------------------------------------


def test_pivot_through_english():
    engine = StandIn(
        pairs=[("uk", "en"), ("en", "de")], answer=table({"Привіт світ": "hello world", "hello world": "hallo Welt"})
    )
    [t] = FragmentTranslator(engine).translate_all([Request("Привіт світ", "uk", "Cyrillic", "de")])
    assert (t.status, t.text) == ("translated", "hallo Welt")
    assert t.route == ("uk", "en", "de")
    assert (t.model, t.model_version) == ("standin-uk_en+standin-en_de", "7+7")
    assert [(h.source, h.target, texts) for h, texts in engine.calls] == [
        ("uk", "en", ["Привіт світ"]),
        ("en", "de", ["hello world"]),
    ]


def test_direct_model_is_preferred_to_a_pivot():
    engine = StandIn(pairs=[("uk", "de"), ("uk", "en"), ("en", "de")])
    route = find_route(engine.hop, "uk", "de")
    assert [(h.source, h.target) for h in route] == [("uk", "de")]
    assert find_route(StandIn(pairs=[("uk", "en")]).hop, "uk", "de") is None


def test_no_model_says_which_paths_were_tried():
    tr = FragmentTranslator(StandIn(pairs=[]))
    to_en, to_de = tr.translate_all(
        [Request("не только", "ru", "Cyrillic"), Request("не только", "ru", "Cyrillic", "de")]
    )
    assert to_en.reason == "no installed model ru->en"
    assert to_de.reason == "no installed model ru->de, nor ru->en->de"


def test_pivot_second_hops_of_two_languages_share_one_call():
    engine = StandIn(pairs=[("uk", "en"), ("ru", "en"), ("en", "de")])
    FragmentTranslator(engine).translate_all(
        [Request("Привіт", "uk", "Cyrillic", "de"), Request("Привет", "ru", "Cyrillic", "de")]
    )
    assert [(h.source, h.target) for h, _ in engine.calls].count(("en", "de")) == 1
    assert len(engine.calls) == 3


def test_untranslatable_requests_never_reach_the_engine():
    engine = StandIn()
    results = FragmentTranslator(engine).translate_all(
        [Request("xyz", "und", "Latin"), Request("Hello", "en-GB", "Latin"), Request("«»", "ru", "Cyrillic")]
    )
    assert [t.reason for t in results] == [
        "language undetermined",
        "already in target language en",
        "nothing to translate",
    ]
    assert engine.calls == []


# --- modes ------------------------------------------------------------------------------


def test_annotate_mode():
    engine = StandIn(answer=table({"не только": "not only", "За головы": "for the heads"}))
    r = normalize_text(DOCS[0], FragmentTranslator(engine), mode="annotate")
    assert (
        r.cleaned_text
        == "The site says not only [ru: не только] here. Later it says for the heads [ru: За головы] again."
    )
    assert r.mode == "annotate"
    check_offsets(r)


@pytest.mark.corpus
def test_keep_mode_records_without_translating(seed_text):
    engine = StandIn()
    r = normalize_text(seed_text, FragmentTranslator(engine), mode="keep")
    assert engine.calls == []
    assert {(c.status, c.reason) for c in foreign(r)} == {("untranslated", "mode keep")}
    assert "of a military" in r.cleaned_text and "не только" in r.cleaned_text  # homoglyph still repaired
    check_offsets(r)


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="unknown mode 'translate'"):
        normalize_text("text", mode="translate")


# --- the reference article ---------------------------------------------------------------


@pytest.mark.corpus
def test_seed_article_offsets_map_every_change(seed_text):
    engine = StandIn(answer=table({"За “головы”": "For the “heads”", "не только": "not only"}, default="posted by"))
    r = normalize_text(seed_text, FragmentTranslator(engine, glossary=GLOSSARY))
    assert [(c.original, c.replacement, c.engine) for c in foreign(r)] == [
        ("已發表 26 05, 2020 作者", "Posted 26 05, 2020 by", "glossary"),
        ("За «головы»", "For the “heads”", "standin"),
        ("не только", "not only", "glossary"),
    ]
    check_offsets(r)


def test_hop_is_hashable_and_keys_group_calls():
    assert len({Hop("ru", "en", "m", "1"), Hop("ru", "en", "m", "1")}) == 1


def test_template_fields_separated_by_spaces_match_the_glossary_one_by_one():
    g = Glossary(
        (Entry("zh-Hant", "已發表", "Posted"), Entry("zh", "作者", "by"), Entry("zh-Hant", "編輯部", "the editors"))
    )
    tr = FragmentTranslator(None, glossary=g)
    [t] = tr.translate_all([Request("已發表 12 03, 2024 作者 編輯部", "zh-Hant", "Han")])
    assert (t.status, t.text, t.engine) == ("translated", "Posted 12 03, 2024 by the editors", "glossary")
    # Spaces inside Cyrillic text are word boundaries: no field-by-field matching there.
    g = Glossary((Entry("ru", "не", "not"), Entry("ru", "только", "only")))
    [t] = FragmentTranslator(None, glossary=g).translate_all([Request("не только", "ru", "Cyrillic")])
    assert t.status == "untranslated"
