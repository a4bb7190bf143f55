"""Detection on real corpus strings (../shared/corpus): one behaviour per test."""

from __future__ import annotations

import pytest

from normalize.detect import detect
from normalize.detection.addresses import masked_spans as _masked_spans
from normalize.languages import decide_language, main_latin_language
from normalize.pipeline import normalize_text
from normalize.scripts import ascii_letter_count, marked_words, words
from normalize.stopwords import stopword_counts

from .conftest import CORPUS


def sentences(lang: str, n: int = 40) -> list[str]:
    lines = (CORPUS / "sentences" / f"{lang}.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines[:n] if line.strip()]


def words_of(kind: str, lang: str, n: int = 300) -> list[str]:
    lines = (CORPUS / "words" / kind / f"{lang}.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines[:n] if line.strip()]


ENGLISH = "Patients on the new drug were followed for two years. The results were published in March."


def test_marked_words_are_the_non_ascii_words():
    text = "The café near Zürich served пирог and 作者 with “quotes” — e\u0301 too."
    assert marked_words(text) == [w for w in words(text) if not w.text.isascii()]
    assert [w.text for w in marked_words(text)] == ["café", "Zürich", "пирог", "作者", "e\u0301"]
    assert ascii_letter_count("ab1 ü Z") == 3


def test_polish_sentence_found_by_its_accents_when_stop_words_are_shared():
    # ``go`` and ``do`` are English stop words too; the accented words carry the evidence.
    text = f"{ENGLISH} Jak widać, porażka zmotywowała go do dalszej walki. {ENGLISH}"
    [f] = detect(text).findings
    assert (f.lang, f.text) == ("pl", "Jak widać, porażka zmotywowała go do dalszej walki")


@pytest.mark.parametrize(
    "text",
    [
        "Members of the Cartel de los Soles, a Colombian-Venezuelan network, were charged.",
        "The café served a crème brûlée with naïve charm and a smile.",
        "She studied at the Universidad de los Andes before moving to Boston.",
    ],
)
def test_names_and_loanwords_with_foreign_evidence_are_not_passages(text):
    assert detect(text).findings == []


@pytest.mark.corpus
def test_main_language_by_sentence_votes_and_prior_on_near_tie():
    vietnamese = sentences("vi")[3]
    english = sentences("en", 6)
    # Half the letters Vietnamese (many short syllables, many stop words): English holds.
    assert main_latin_language(" ".join(english[:2]) + " " + vietnamese).lang == "en"
    assert main_latin_language(" ".join(sentences("de", 8))).lang == "de"


def test_one_long_foreign_sentence_does_not_outvote_the_english_ones():
    # A bare German sentence without a full stop runs on into the next English one.
    german = (
        "Besser paßt da schon das Iscorama, das für Kleinbildphotographie konstruiert wurde, um bei der "
        "Aufnahme das Bild zu stauchen, und es später vor dem Projektor in umgekehrter Richtung wieder in "
        "die Breite zu ziehen"
    )
    text = f"{ENGLISH} I will do my best to keep you informed. {german} An edge in an intensity image can be viewed as depth."
    d = detect(text)
    assert d.main_lang == "en"
    [f] = d.findings
    assert f.lang == "de" and f.text.startswith(german)


def test_stopword_counts_one_lookup_per_word():
    # spaCy's Dutch list has ``der`` and ``die`` too.
    assert stopword_counts(["Der", "die", "the", "and", "het"], ("en", "de", "nl")) == {"en": 2, "de": 2, "nl": 3}
    assert stopword_counts(["der", "the"], ("de", "en"), exclude="en") == {"de": 1, "en": 0}


@pytest.mark.parametrize(
    "text, masked",
    [
        ("See https://ru.wikipedia.org/wiki/Байкал for more.", "https://ru.wikipedia.org/wiki/Байкал"),
        ("Write to иван@пример.рф today.", "иван@пример.рф"),
        ("Visit www.example.org/über now.", "www.example.org/über"),
    ],
)
def test_urls_and_email_addresses_are_not_fragments(text, masked):
    assert [text[a:b] for a, b in _masked_spans(text)] == [masked]
    d = detect(text)
    assert d.findings == [] and d.main_lang == "en"


def test_letter_inside_an_emoticon_is_not_a_fragment():
    assert detect("Well ¯\\_(ツ)_/¯ said the man, and left.").findings == []
    # A letter with words around it is a word, even in brackets (which stay outside).
    assert [f.text for f in detect("The word (作) stood alone.").findings] == ["作"]


@pytest.mark.corpus
def test_persian_words_without_persian_letters_by_profile_ngrams():
    fa = words_of("single", "fa")
    ar = words_of("single", "ar", 200)
    fa_right = sum(decide_language(w).lang == "fa" for w in fa) / len(fa)
    ar_right = sum(decide_language(w).lang == "ar" for w in ar) / len(ar)
    # Measured: 0.84 and 0.94 (Persian letters, then n-grams; before, the prior gave
    # 0.66 and 1.0).
    assert fa_right >= 0.75 and ar_right >= 0.9, (fa_right, ar_right)


@pytest.mark.parametrize("lang", ["uk", "bg", "sr", "be", "mk", "kk", "mn"])
@pytest.mark.corpus
def test_cyrillic_word_pairs_mostly_right(lang):
    pairs = words_of("pairs", lang, 200)
    right = sum(decide_language(p).lang == lang for p in pairs) / len(pairs)
    # Measured over all eight (300 pairs each): 0.95; mk the weakest at 0.88.
    assert right >= 0.8, (lang, right)


def test_mixed_script_word_inside_a_foreign_sentence_belongs_to_it():
    # ``сè``: Cyrillic с and a Latin è (for Macedonian ѐ), between Macedonian words.
    mk = "По неколкудневна работа сè беше готово од технички аспект"
    [f] = detect(f"They are applying for it. {mk} Ensure the efficiency of the operation.").findings
    assert (f.kind, f.text) == ("foreign", mk)
    # A look-alike inside an English word stays a homoglyph.
    [f] = detect("The pаyment was made.").findings
    assert (f.kind, f.replacement) == ("homoglyph", "payment")


def test_arabic_yeh_or_kaf_means_arabic_and_short_spans_without_urdu_letters_are_not_urdu():
    # ``ميلانو`` holds the Arabic yeh (U+064A), which Persian writes as ی.
    assert decide_language("ميلانو").lang == "ar"
    # A Persian pair without Persian letters: the n-grams once chose Urdu.
    assert decide_language("مختلف انجام").lang == "fa"


def test_mojibake_prefilter_finds_what_its_alternatives_find():
    import re

    from normalize.hygiene import _MOJIBAKE

    plain = re.compile(_MOJIBAKE.pattern.split(")(?:", 1)[1][:-1])
    lines = ["cafÃ© â€™quoted", "Zürich «головы» — café", "a\ufffdb", "Ã next", "plain ascii", "Ð¿Ñ€Ð¸Ð²ÐµÑ‚"]
    for line in lines:
        assert bool(_MOJIBAKE.search(line)) == bool(plain.search(line)), line
    assert _MOJIBAKE.search("cafÃ©") and not _MOJIBAKE.search("Zürich café")


def test_lingua_scores_only_the_alphabets_that_fit():
    from normalize.languages import _lingua_detector, lingua_confidences

    # ``ј`` fits the Serbian and Macedonian alphabets only: lingua is built for those two.
    # lingua's own reading of this word (high-accuracy mode, lingua 2.1.1), normalised
    # over the two: a real value, so a change of model or normalisation shows here.
    among = lingua_confidences(["sr", "mk"], "најстаро")
    assert among == pytest.approx({"sr": 0.555, "mk": 0.445}, abs=0.005)
    values = _lingua_detector(("mk", "sr")).compute_language_confidence_values("најстаро")
    assert {v.language.name for v in values} == {"MACEDONIAN", "SERBIAN"}
    assert decide_language("најстаро").candidates == ("sr", "mk")


def test_document_context_settles_short_fragments_only():
    ukrainian = "«Натисніть на зображення»"  # і: Ukrainian only
    macedonian = "Таа има постар брат, Трент Олсен, како и помлад полубрат и помлада полусестра."
    text = f"{ENGLISH} He wrote {ukrainian} and then: {macedonian} {ENGLISH}"
    langs = [f.lang for f in detect(text).findings]
    assert langs == ["uk", "mk"]
    # A single word that lingua and the word lists can only guess at (``камери``, a
    # Ukrainian corpus word: bg alone) takes the document's language.
    assert decide_language("камери").weak
    found = detect(f"{ENGLISH} He wrote {ukrainian}, then «камери».").findings
    assert [f.lang for f in found] == ["uk", "uk"]


def test_english_quotation_with_one_foreign_stop_word_is_not_foreign():
    # come: an Italian stop word; the rest reads English.
    assert detect(f"{ENGLISH} The sign said “Come inside and enjoy the view”. {ENGLISH}").findings == []
    assert detect(f"{ENGLISH} The album (Total Eclipse of the Heart) sold well. {ENGLISH}").findings == []


def test_lookalike_word_inside_a_foreign_fragment_is_folded_into_it():
    # Found in review: detect() returned the homoglyph finding inside the Russian fragment,
    # breaking its promise of non-overlapping spans.
    text = "Он сказал, что Pаypal не работает. The rest of this long text is English, about banking and many other things that matter to readers here."
    [f] = detect(text).findings
    assert (f.kind, f.lang, f.text) == ("foreign", "ru", "Он сказал, что Pаypal не работает")
    assert f.replacement == "Он сказал, что Paypal не работает"
    r = normalize_text(text)
    [c] = [c for c in r.changes if c.kind == "foreign"]
    assert c.replacement == "Он сказал, что Paypal не работает"  # kept untranslated, but repaired


def test_sentence_after_a_colon_is_not_weighed_with_the_english_before_it():
    # Heldout seed 31: "possible conflict" read French enough to join the run, and then
    # the English words vetoed the whole passage.
    french = "Pour décompresser le fichier APPRENT.EXE dans le répertoire de travail, il suffit de l'exécuter"
    text = f"{ENGLISH} Every violation of human rights carries within it the seeds of possible conflict: {french}. {ENGLISH}"
    [f] = detect(text).findings
    assert (f.lang, f.text) == ("fr", french)


def test_accents_on_names_only_do_not_make_an_embedded_passage():
    # Heldout seed 59: François and Erdoğan were the only evidence; talk read Turkish.
    text = f"{ENGLISH} Please hand a copy to the desk by 5 pm the day before your talk; François Hollande met Recep Tayyip Erdoğan and Björk in Reykjavík. {ENGLISH}"
    assert detect(text).findings == []


def test_sentences_cut_by_numbers_and_abbreviations_continue_the_passage():
    # Heldout seed 59: "10." and "r." cut the Polish sentence into three.
    polish = "Konkurs Budowa na Medal Pomorza i Kujaw odbył się po raz 10. Od 1996 r. organizuje go Pomorsko-Kujawska Izba Budownictwa"
    [f] = detect(
        f"{ENGLISH} Animation 26 shows two planar branch tiers competing for space. {polish}.\n\n{ENGLISH}"
    ).findings
    assert (f.lang, f.text) == ("pl", polish)
    # An English sentence after a foreign one stays outside.
    german = "Die Regierung hat heute nichts beschlossen."
    [f] = detect(f"{ENGLISH} {german} Then the minister left. {ENGLISH}").findings
    assert f.text == german.rstrip(".")


def test_a_bracket_that_pairs_with_none_does_not_cut_a_passage():
    # Heldout seed 47: the stray ")" cut off the Vietnamese sentence's first words.
    vietnamese = "Giao diện chính của Dự án Visla.vn ) là công ty hoạt động trong lĩnh vực công nghệ, tập trung vào việc ứng dụng công nghệ Internet of Things (IoT), Cloud và Big Data vào các lĩnh vực thực tiễn trong cuộc sống."
    found = detect(f"{ENGLISH}\n\n‘{vietnamese}’\n\n{ENGLISH}").findings
    assert found and found[0].lang == "vi" and found[0].text.startswith("Giao diện chính của Dự án")


def test_short_accented_words_and_stop_word_homographs_in_vietnamese():
    # Heldout seed 7: Kỹ, vụ, rẻ scored nothing (too short for n-grams) and In (to
    # print) scored English, so the passage stopped short of the sentence.
    vietnamese = "Tại In Kỹ Thuật Số chúng tôi cung cấp dịch vụ in decal nhựa giá rẻ Tp"
    [f] = detect(f"{ENGLISH} Do you know which symbol is which?\n\n{vietnamese}.\n\n{ENGLISH}").findings
    assert (f.lang, f.text) == ("vi", vietnamese)
    # Short accented loanwords in English stay English.
    assert detect(f"{ENGLISH} Lunch was à la carte in the café near Zürich, or so he said. {ENGLISH}").findings == []


def test_english_words_around_a_foreign_sentence_stay_outside():
    russian = "Путин заявил, что переговоры продолжатся"
    # A lead-in with a lowercase word is English text, not a title.
    [f] = detect(f"{ENGLISH} The Kremlin said {russian}. {ENGLISH}").findings
    assert f.text == russian
    # A capitalised word after a single foreign word is no part of it.
    [f] = detect(f"{ENGLISH} Doubting, «караем» Monday. {ENGLISH}").findings
    assert f.text == "караем"


@pytest.mark.parametrize(
    "portuguese",
    [
        # Heldout seeds 101 and 131: langdetect splits its three trials pt/es and pt/it.
        "Ao presidir o acto de abertura, o Presidente da República, Dr.",
        "Ambiente fantástico no estádio, com sol e temperatura a condizer.",
    ],
)
def test_langdetect_splitting_close_relatives_still_makes_a_passage_foreign(portuguese):
    [f] = detect(f"{ENGLISH} Meteorological research at McGill follows many avenues. {portuguese} {ENGLISH}").findings
    assert f.lang == "pt" and f.text.startswith(portuguese[:20])


def test_names_do_not_dilute_a_sentences_stop_word_vote():
    # Heldout seed 173: the Dutch quotation outvoted a list of names after English words.
    english = "Members of HSG team who won the National Student Evaluation Case Competition: Jennifer Yessis, Liz Cyarto, Adam Spencer, Trisha Gavin and Candace Nykiforuk."
    dutch = "„Door het zich terugtrekken van Felix de Mûelenaere die ook in Brugge was verkozen en daar de zetel opnam, zetelde MacLagan al van bij de aanvang“."
    text = f"By Nguyễn Văn An · 12 March 2021\n\nThe label on the box reads: {dutch} Doubting, dreaming dreams no mortals ever dared to dream before;\n\n{english}"
    assert main_latin_language(text).lang == "en"
    found = detect(text).findings
    assert [f.lang for f in found] == ["nl"]


def test_stop_word_homograph_across_a_colon_inside_a_foreign_sentence():
    # Heldout seed 101: Vietnamese "than" (charcoal) on both sides of the colon.
    vietnamese = "Dùng than khử: Than là một lựa chọn hợp túi tiền để giúp bạn loại bỏ mùi khói hôi trong nhà."
    [f] = detect(f"{ENGLISH}\n\n„{vietnamese}“ Her first results suggest that by using it. {ENGLISH}").findings
    assert (f.lang, f.text) == ("vi", vietnamese.rstrip("."))


def test_english_line_with_one_foreign_stop_word_is_no_passage():
    # "state" and "war" are stop words of other languages; the line is English.
    assert detect(f"{ENGLISH}\n\nState of war: Senators debate union budget.\n\n{ENGLISH}").findings == []


def test_lead_in_set_off_by_a_comma_stays_outside_a_foreign_sentence():
    # Heldout seed 101: "In Ontario," and "Documentation," opened the fragments.
    korean = "한국인은 15.9%만 ‘강한 긍정’이라고 답해 이 항목 최하위를 기록했다"
    [f] = detect(f"{ENGLISH} In Ontario, {korean}. {ENGLISH}").findings
    assert f.text.startswith("한국인은")
    [f] = detect(f"{ENGLISH}\n\nDocumentation, полуослобођеним територијама.\n\n{ENGLISH}").findings
    assert f.text == "полуослобођеним територијама"


def test_accents_on_names_only_do_not_make_a_sentence_of_its_own():
    # Heldout seed 101: the trap as a paragraph; langdetect splits tr/other.
    assert (
        detect(f"{ENGLISH}\n\nFrançois Hollande met Recep Tayyip Erdoğan and Björk in Reykjavík.\n\n{ENGLISH}").findings
        == []
    )


def test_one_stop_word_and_accents_of_its_language_make_a_sentence():
    # Heldout seed 401: "takich" (pl) and "autorów" were two pieces of evidence but no
    # candidate language; names with accents and a Dutch "met" still are not.
    polish = "To kwestia marnych kompetencji autorów takich kampanii"
    [f] = detect(
        f"{ENGLISH} Borrow up to 50 percent of the value.\n\n{polish}. Others may have tiredness. {ENGLISH}"
    ).findings
    assert (f.lang, f.text) == ("pl", polish)
    assert (
        detect(
            f"{ENGLISH} Before your talk; François Hollande met Recep Tayyip Erdoğan and Björk in Reykjavík. {ENGLISH}"
        ).findings
        == []
    )


@pytest.mark.corpus
def test_a_long_quotation_does_not_decide_the_main_script():
    # Heldout seed 409: the quoted Mongolian sentence had more letters than the English.
    mongolian = sentences("mn", 200)
    quote = max(mongolian, key=len)
    text = f"## Elphinstone has, for many years\n\n‘{quote}’ Others may have tiredness, jaundice and loss of appetite.\n\nOne reader put it this way. Do you know which symbol is which?"
    found = detect(text)
    assert found.main_script == "Latin" and found.main_lang == "en"
    assert [f.lang for f in found.findings if f.kind == "foreign"] == ["mn"]
    # A Russian text whose quotations are English stays Russian.
    russian = " ".join(sentences("ru", 6))
    assert detect(f"{russian} «{ENGLISH}»").main_script == "Cyrillic"


def corpus_line(lang: str, number: int) -> str:
    return (CORPUS / "sentences" / f"{lang}.txt").read_text(encoding="utf-8").splitlines()[number - 1].strip()


@pytest.mark.corpus
def test_a_look_alike_word_is_no_piece_of_the_next_sentence():
    # Heldout seed 131: "Мr." (Cyrillic М) before a Kazakh quotation is English.
    kazakh = corpus_line("kk", 960)
    found = detect(f"{ENGLISH} Treasurer Ben Trevino told the meeting that Мr. «{kazakh}» {ENGLISH}").findings
    assert [(f.kind, f.text) for f in found][0] == ("homoglyph", "Мr")


def test_a_short_english_text_quoting_one_foreign_sentence_stays_english():
    # A new user's trial: the German sentence after the colon outvoted the English.
    german = "Der Eintritt ist für Kinder unter zwölf Jahren kostenlos"
    text = f"The sign at the entrance read: {german}. We went in anyway and paid nothing."
    assert main_latin_language(text).lang == "en"
    [f] = detect(text).findings
    assert (f.lang, f.text) == ("de", german)
    [f] = detect("He said: Der Eintritt ist frei. We went in.").findings
    assert (f.lang, f.text) == ("de", "Der Eintritt ist frei")
    # Two German sentences or more make a German text.
    assert main_latin_language(f"{german}. Wir sind gleich wieder da. Das ist nicht mein Problem.").lang == "de"
