"""Fragment detection as a statistical segmenter: tokens and typed boundaries
(:mod:`.tokens`), per-language word scores (:mod:`.lexicon`, :mod:`.segment`), Viterbi
decoding (:mod:`.decode`), fitted parameters (:mod:`.params`), one language registry
(:mod:`.registry`)."""
