"""Build a tiny but real argostranslate package offline, for tests.

The package is a genuine ``.argosmodel`` zip: a SentencePiece model trained here on a few
dozen inline lines, and a one-layer CTranslate2 Transformer whose weights come from a
seeded RNG. argostranslate and CTranslate2 load and run it exactly like a downloaded
model, so tests exercise the real engine path without a network or a multi-MB download.

The translations are garbage unless ``reply`` is given (see
:func:`build_tiny_argos_package`). Everything is seeded, so building twice gives the same
model and the same output for the same input.
"""

from __future__ import annotations

import functools
import io
import json
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Mixed Russian, English and Chinese, like the fragments the service sees. Cyrillic
# phrases from the samples appear verbatim so they tokenize into known pieces.
TRAINING_LINES = [
    "Это не только вопрос денег, но и вопрос времени.",
    "За головы отвечает отдельный отдел.",
    "Он сказал, что не только мы знаем об этом.",
    "За головы назначена награда.",
    "Мы говорим по-русски и по-английски.",
    "Привет, мир! Как дела?",
    "Москва — столица России.",
    "Сегодня хорошая погода, и мы идём гулять.",
    "Книга лежит на столе рядом с окном.",
    "Спасибо за помощь, до свидания.",
    "Это не только красиво, но и полезно.",
    "За головы, за руки, за ноги.",
    "The report was published on Monday morning.",
    "Not only money but also time matters here.",
    "Hello world, how are you today?",
    "The committee discussed the budget for next year.",
    "We translate short fragments, not whole books.",
    "The price of the heads was announced yesterday.",
    "Moscow is the capital of Russia.",
    "Thank you for your help, goodbye.",
    "The book is on the table next to the window.",
    "This is not only beautiful but also useful.",
    "A quick brown fox jumps over the lazy dog.",
    "Numbers like 2024 and 3.14 stay as they are.",
    "你好，世界！",
    "今天天气很好。",
    "我们说中文和英文。",
    "这本书在桌子上。",
    "谢谢你的帮助。",
    "不仅是钱的问题，也是时间的问题。",
    "北京是中国的首都。",
    "翻译短句，不翻译整本书。",
]

# CTranslate2 looks these up by name (SequenceToSequenceModelConfig: unk/bos/eos);
# "<blank>" is OpenNMT's padding token, which real argos models carry at id 1.
SPECIAL_TOKENS = ["<unk>", "<blank>", "<s>", "</s>"]

D_MODEL = 16
NUM_HEADS = 2
FFN_DIM = 32
NUM_LAYERS = 1


@dataclass(frozen=True)
class Size:
    """Transformer dimensions: the default is tiny; :data:`BASE` has the shape of a
    Transformer-base model like argos's published ones (d_model 512, 6+6 layers,
    FFN 2048, 8 heads), so benches pay a realistic compute cost per token."""

    d_model: int = D_MODEL
    num_heads: int = NUM_HEADS
    ffn_dim: int = FFN_DIM
    num_layers: int = NUM_LAYERS


TINY = Size()
BASE = Size(d_model=512, num_heads=8, ffn_dim=2048, num_layers=6)
VOCAB_SIZE = 160
SEED = 1234

# Fixed zip timestamps make the .argosmodel byte-identical across builds.
_ZIP_DATE = (2024, 1, 1, 0, 0, 0)


@functools.cache
def _train_sentencepiece() -> bytes:
    """The serialized SentencePiece model; cached since training dominates build time."""
    import sentencepiece as spm

    spm.set_random_generator_seed(SEED)
    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(TRAINING_LINES),
        model_writer=buf,
        vocab_size=VOCAB_SIZE,
        model_type="unigram",
        # Every character of the tiny corpus must be a piece, or rare Han characters
        # become <unk> and the tests stop telling scripts apart.
        character_coverage=1.0,
        # The corpus is too small to reach an exact size; a soft limit avoids a failure.
        hard_vocab_limit=False,
        num_threads=1,
        minloglevel=2,
    )
    return buf.getvalue()


def _vocabulary(sp_model: bytes) -> list[str]:
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_proto=sp_model)
    pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    return SPECIAL_TOKENS + [p for p in pieces if p not in SPECIAL_TOKENS]


def _build_spec(vocab: list[str], rng: np.random.Generator, reply_ids: list[int] | None, size: Size = TINY):
    from ctranslate2.specs import transformer_spec

    spec = transformer_spec.TransformerSpec.from_config(num_layers=size.num_layers, num_heads=size.num_heads)
    d, v = size.d_model, len(vocab)

    def rand(*shape: int, scale: float = 0.1) -> np.ndarray:
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    def layer_norm(ln) -> None:
        ln.gamma = np.ones(d, dtype=np.float32)
        ln.beta = np.zeros(d, dtype=np.float32)

    def linear(lin, out_dim: int, in_dim: int) -> None:
        lin.weight = rand(out_dim, in_dim)
        lin.bias = rand(out_dim, scale=0.01)

    def attention(att, self_attention: bool) -> None:
        layer_norm(att.layer_norm)
        if self_attention:
            linear(att.linear[0], 3 * d, d)  # fused query/key/value
            linear(att.linear[1], d, d)
        else:
            linear(att.linear[0], d, d)  # query
            linear(att.linear[1], 2 * d, d)  # fused key/value over encoder output
            linear(att.linear[2], d, d)

    def ffn(f) -> None:
        layer_norm(f.layer_norm)
        linear(f.linear_0, size.ffn_dim, d)
        linear(f.linear_1, d, size.ffn_dim)

    # Layout mirrors ctranslate2/converters/opennmt_py.py (pre-norm Transformer, shared
    # vocabulary, sinusoidal positions generated by CTranslate2 since
    # position_encodings.encodings stays OPTIONAL).
    embeddings = rand(v, d, scale=1.0)
    spec.encoder.embeddings[0].weight = embeddings
    layer_norm(spec.encoder.layer_norm)
    for layer in spec.encoder.layer:
        attention(layer.self_attention, self_attention=True)
        ffn(layer.ffn)

    spec.decoder.embeddings.weight = embeddings.copy()
    layer_norm(spec.decoder.layer_norm)
    for layer in spec.decoder.layer:
        attention(layer.self_attention, self_attention=True)
        attention(layer.attention, self_attention=False)
        ffn(layer.ffn)

    if reply_ids is None:
        linear(spec.decoder.projection, v, d)
    else:
        _wire_reply(spec, vocab, reply_ids, size.d_model)

    spec.register_source_vocabulary(vocab)
    spec.register_target_vocabulary(vocab)
    return spec


def _wire_reply(spec, vocab: list[str], reply_ids: list[int], d: int = D_MODEL) -> None:
    """Make the decoder emit ``reply_ids`` then ``</s>``, whatever the input.

    Every decoder sub-layer and the decoder embeddings are zeroed, so the hidden state at
    step *t* is exactly the position encoding of *t*. Those encodings are set to one-hot
    vectors (orthogonal after the final layer norm), and the output row of the token due
    at step *t* points along encoding *t*: the argmax at step *t* is that token, with a
    wide margin, for greedy and beam search alike.
    """
    v = len(vocab)
    chain = [*reply_ids, vocab.index("</s>")]
    if len(chain) > d:
        raise ValueError(f"reply is {len(reply_ids)} pieces; at most {d - 1} fit in d_model={d}")

    # Rows past the end repeat the last position so any step after the reply wants </s>;
    # 1024 covers CTranslate2's default max_decoding_length (256) with room to spare.
    positions = np.zeros((1024, d), dtype=np.float32)
    for t in range(positions.shape[0]):
        positions[t, min(t, len(chain) - 1)] = 1.0
    spec.decoder.position_encodings.encodings = positions

    def normalised(x: np.ndarray) -> np.ndarray:
        x = x - x.mean()
        return x / np.linalg.norm(x)

    eos = chain[-1]
    weight = np.zeros((v, d), dtype=np.float32)
    bias = np.zeros(v, dtype=np.float32)
    for t, token in enumerate(chain[:-1]):
        weight[token] += 20.0 * normalised(positions[t])
    # CTranslate2's beam search stops at the first finished hypothesis, i.e. as soon as
    # </s> ranks among the top beam_size candidates of any step. So </s> must rank below
    # hundreds of other tokens everywhere but at the end, where it must win outright.
    weight[eos] = 40.0 * normalised(positions[len(chain) - 1])
    bias[eos] = -30.0
    spec.decoder.projection.weight = weight
    spec.decoder.projection.bias = bias

    spec.decoder.embeddings.weight = np.zeros((v, d), dtype=np.float32)
    for layer in spec.decoder.layer:
        for lin in (*layer.self_attention.linear, *layer.attention.linear, layer.ffn.linear_0, layer.ffn.linear_1):
            lin.weight = np.zeros_like(lin.weight)
            lin.bias = np.zeros_like(lin.bias)


def build_tiny_argos_package(
    workdir: Path,
    from_code: str = "ru",
    to_code: str = "en",
    version: str = "0.0.1",
    *,
    reply: str | None = None,
    size: Size = TINY,
) -> Path:
    """Build a tiny real ``.argosmodel`` for ``from_code -> to_code`` under ``workdir``.

    Returns the path of the zip (``workdir/translate-<from>_<to>-<version>.argosmodel``),
    whose single top-level folder holds ``model/`` (a CTranslate2 Transformer, d_model 16,
    one layer, seeded random weights), ``sentencepiece.model`` and ``metadata.json``.
    Install it with ``argostranslate.package.install_from_path``.

    With ``reply=None`` the model translates into deterministic garbage (in practice a
    long looping string that the repetition guard rejects). With a string, every input
    translates to exactly that string: ``reply`` must tokenize into at most 15 pieces of
    the tiny vocabulary (short English like ``"for the heads"`` does), else
    ``ValueError``. ``size`` sets the Transformer's dimensions (:data:`TINY` by default,
    :data:`BASE` for benches that need a realistic cost per token).

    Makes no network call. Deterministic: same arguments, same bytes. Takes well under a
    second.
    """
    workdir = Path(workdir)
    folder = f"translate-{from_code}_{to_code}-{version.replace('.', '_')}"
    staging = workdir / (folder + ".build")
    if staging.exists():
        shutil.rmtree(staging)
    (staging / "model").mkdir(parents=True)

    sp_model = _train_sentencepiece()
    (staging / "sentencepiece.model").write_bytes(sp_model)
    vocab = _vocabulary(sp_model)

    reply_ids = None
    if reply is not None:
        import sentencepiece as spm

        pieces = spm.SentencePieceProcessor(model_proto=sp_model).encode(reply, out_type=str)
        unknown = [p for p in pieces if p not in vocab]
        if not pieces or unknown:
            raise ValueError(f"reply {reply!r} does not tokenize into known pieces: {unknown}")
        reply_ids = [vocab.index(p) for p in pieces]

    spec = _build_spec(vocab, np.random.default_rng(SEED), reply_ids, size)
    spec.validate()
    spec.optimize(quantization=None)
    spec.save(str(staging / "model"))

    metadata = {
        "package_name": folder,
        "package_version": version,
        "argos_version": "1.11.0",
        "type": "translate",
        "from_code": from_code,
        "to_code": to_code,
        "from_name": from_code,
        "to_name": to_code,
        "links": [],
    }
    (staging / "metadata.json").write_text(json.dumps(metadata, indent=2, sort_keys=True) + "\n")

    out = workdir / f"{folder}.argosmodel"
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(staging.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo(f"{folder}/{path.relative_to(staging).as_posix()}", _ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, path.read_bytes())
    shutil.rmtree(staging)
    return out


def install_packages(archives: list[Path], packages_dir: Path) -> None:
    """Install ``.argosmodel`` archives with argostranslate's own API, into ``packages_dir``.

    ``install_from_path`` always extracts into ``settings.package_data_dir``, which
    argostranslate fixes at import time from ARGOS_PACKAGES_DIR; patching the attribute
    is the only way to aim it elsewhere in a running process.
    """
    import pytest
    from argostranslate import package, settings

    packages_dir.mkdir(parents=True, exist_ok=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(settings, "package_data_dir", packages_dir)
        for archive in archives:
            package.install_from_path(archive)
