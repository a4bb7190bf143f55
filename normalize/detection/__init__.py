"""Fragment detection as a statistical segmenter, one module per concept: the languages
(:mod:`.registry`), tokens and typed boundaries (:mod:`.tokens`), word frequencies and word
lists (:mod:`.lexicon`), a character model for unlisted words (:mod:`.charmodel`), token
scores per state (:mod:`.emissions`), Viterbi decoding (:mod:`.decode`), paragraphs to
foreign stretches (:mod:`.segment`), homoglyph repairs (:mod:`.homoglyphs`), addresses
left alone (:mod:`.addresses`) and the fitted parameters (:mod:`.params`).
:func:`normalize.detect.detect` runs them end to end."""
