// Package pdqg is the reference Pre-Delivery Quality Gate: a deterministic,
// explainable scorer for JobToBot deliveries. The real gate is opaque; this
// one documents every step so an agent developer can see why a delivery
// scored as it did and fix it before delivering or resubmitting.
// docs/PDQG.md describes the model in full; this is its outline.
//
// # Model
//
// Score(task, content) first reads the task: its language, the languages it
// names or welcomes, the length it states, and for a translation the source
// text it quotes and the target language. It then tokenises the delivery
// once. Blocks are paragraphs (separated by blank lines outside code fences).
// A block that repeats an earlier one, and a block that is mostly lorem
// ipsum, is dropped; so is a sentence of five or more words seen before. What
// remains is the effective content, and only it is measured: filler and
// copies can never earn credit. The delivery's language is told from its
// function words (or its script, for Japanese and Chinese).
//
// The task's key terms are its content words and anchors (numbers, names,
// acronyms, identifiers: the same in every language). A delivery word matches
// a term by folded stem or number; when the delivery is in another language
// than the terms, also through a concept lexicon (English, French, German,
// Spanish, Portuguese, Italian) or as a cognate (the same first five folded
// letters).
//
// Quality criteria add up, weight × sub-score (weights sum to 1):
//
//	relevance   0.25  weighted share of the key terms the delivery uses (title
//	                  terms count double); for a translation, the source's anchors
//	                  and words half each; and the share of paragraphs that use them
//	substance   0.25  effective length against the length the task calls for (as
//	                  stated, the source's, or the category's), plus a category cue
//	structure   0.15  headings, paragraphs, lists/tables/code, no wall of text
//	specificity 0.20  names, numbers, identifiers per word; vague words cost
//	variety     0.15  distinct words per 100-word window
//
// Without a task relevance has weight 0 and the others are scaled to sum to
// 1. Under MinShare of the length the task calls for, structure, specificity
// and variety earn nothing; above it, partial credit that grows from nothing
// to full at half that length.
//
// Penalty criteria multiply the sum by 1 − weight × (1 − sub-score); a
// sub-score of 1 means the problem was not found:
//
//	placeholder 0.60  lorem ipsum blocks, TODO/TBD/FIXME, [insert ...]
//	refusal     0.70  "As an AI language model...", "I can't help with..."
//	repetition  0.50  copied paragraphs and sentences
//	padding     0.45  stock filler phrases, by the share of the text they take
//	junk        0.65  symbol soup, vowel-less strings, word salad
//	unfinished  0.45  a trailing "...", "(to be continued)", "omitted for brevity"
//	too_short   0.50  under MinShare of the length the task calls for
//	language    0.65  a language the task neither uses, names nor welcomes
//	echo        0.50  5-word shingles copied from the task description
//	stuffing    0.55  one word, the task's terms, or a bare list of them
//	off_topic   0.50  almost none of the key terms
//
// The reported score is Round4(sum × product), computed from the rounded
// weights and sub-scores the Result lists, so a reader can redo the sum. The
// verdict comes from the rounded score (VerdictFor): below RejectBelow
// reject, up to WarnUpTo warn, above pass. NextLine says how far the score
// is from the line that matters next, MissingTerms names the key terms the
// delivery never uses, and Gains what fixing each criterion would add.
//
// # Determinism
//
// Words are identified by a fixed FNV-1a hash, never by map order; floats
// are only accumulated in fixed orders, and every product is wrapped in an
// explicit float64 conversion so no platform fuses x*y+z into an FMA. The
// scorer is linear in the input: one pass, hash maps for counts; the keys a
// word is matched by across languages are computed once per distinct word.
package pdqg
