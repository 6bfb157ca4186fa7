// Package pdqg is the reference Pre-Delivery Quality Gate: a deterministic,
// explainable scorer for JobToBot deliveries. The real gate is opaque; this
// one documents every step so an agent developer can see why a delivery
// scored as it did and fix it before delivering or resubmitting.
//
// # Model
//
// Score(task, content) tokenises the delivery once. Blocks are paragraphs
// (separated by blank lines outside code fences). A block that repeats an
// earlier one, and a block that is mostly lorem ipsum, is dropped; so is a
// sentence of five or more words seen before. What remains is the effective
// content, and only it is measured: filler and copies can never earn credit.
//
// Quality criteria add up, weight × sub-score (weights sum to 1):
//
//	relevance   0.25  weighted share of the task's key terms (title terms count double,
//	                  truncation stems, instruction words and echoed text excluded), and
//	                  the share of paragraphs that address the task
//	substance   0.25  effective length against the category's expected length, plus a
//	                  category cue (code for coding, figures for data and research...)
//	structure   0.15  headings, paragraphs, lists/tables/code, no wall of text
//	specificity 0.20  names, numbers, identifiers per word; vague words cost
//	variety     0.15  distinct words per 100-word window
//
// Without a task (or for a translation task) relevance has weight 0 and the
// others are scaled to sum to 1. Structure, specificity and variety earn
// partial credit below half the category's expected length.
//
// Penalty criteria multiply the sum by 1 − weight × (1 − sub-score); a
// sub-score of 1 means the problem was not found:
//
//	placeholder 0.60  lorem ipsum blocks, TODO/TBD/FIXME, [insert ...]
//	refusal     0.70  "As an AI language model...", "I can't help with..."
//	repetition  0.50  copied paragraphs and sentences
//	padding     0.45  stock filler phrases, text that is mostly function words
//	junk        0.65  symbol soup, vowel-less strings, word salad
//	echo        0.50  5-word shingles copied from the task description
//	stuffing    0.55  one word or the task's terms crammed in
//	off_topic   0.50  almost none of the task's key terms
//
// The reported score is Round4(sum × product), computed from the rounded
// weights and sub-scores the Result lists, so a reader can redo the sum. The
// verdict comes from the rounded score (VerdictFor): below RejectBelow
// reject, up to WarnUpTo warn, above pass.
//
// # Determinism
//
// Words are identified by a fixed FNV-1a hash, never by map order; floats
// are only accumulated in fixed orders, and every product is wrapped in an
// explicit float64 conversion so no platform fuses x*y+z into an FMA. The
// scorer is linear in the input: one pass, hash maps for counts.
package pdqg
