package pdqg

import (
	"strings"
	"sync"
)

// lexicon holds the word lists the scorer looks words up in, keyed by the
// same 64-bit hash the tokeniser computes, so a lookup never builds a string.
type lexicon struct {
	table    *internTable // word hash -> class bits (cStop, cLorem, ...)
	refusals phraseSet
	fillers  phraseSet
}

// loadLexicon builds the tables once per process. They are immutable after
// construction, so sharing them is safe and keeps Score allocation-light; it
// is the one package-level value, and it holds no state.
var loadLexicon = sync.OnceValue(buildLexicon)

func buildLexicon() *lexicon {
	lx := &lexicon{
		refusals: newPhraseSet(refusalPhrases),
		fillers:  newPhraseSet(fillerPhrases),
	}
	classes := map[uint64]uint8{}
	add := func(list string, class uint8) {
		for _, w := range strings.Fields(list) {
			classes[hashWord(w)] |= class
		}
	}
	add(stopWords, cStop)
	add(loremWords, cLorem)
	add(vagueWords, cVague)
	add("insert placeholder your", cInsert)
	add(metaWords, cMeta)
	for last := range lx.refusals.byLast {
		classes[last] |= cRefusalEnd
	}
	for last := range lx.fillers.byLast {
		classes[last] |= cFillerEnd
	}
	lx.table = newInternTable(len(classes))
	for h, c := range classes {
		lx.table.put(h, int32(c))
	}
	return lx
}

// class returns the class bits of a word hash (0 for a word in no list).
func (lx *lexicon) class(h uint64) uint8 {
	c, _ := lx.table.get(h)
	return uint8(c)
}

// phraseSet finds multi-word phrases in the word stream: phrases are indexed
// by the hash of their last word, so each word costs one map lookup. A phrase
// longer than the scanner's ring of recent words could never match
// (TestPhrasesFitTheRing).
type phraseSet struct {
	byLast map[uint64][][]uint64
}

func newPhraseSet(phrases []string) phraseSet {
	ps := phraseSet{byLast: map[uint64][][]uint64{}}
	for _, p := range phrases {
		var hs []uint64
		for _, w := range tokenizeWords(p) {
			hs = append(hs, hashWord(w))
		}
		last := hs[len(hs)-1]
		ps.byLast[last] = append(ps.byLast[last], hs)
	}
	return ps
}

// match reports whether a phrase ends at the newest word of the ring window
// (recent[len-1] is the newest word).
func (ps phraseSet) match(recent []uint64) bool {
	if len(recent) == 0 {
		return false
	}
	cands := ps.byLast[recent[len(recent)-1]]
	for _, hs := range cands {
		if len(hs) > len(recent) {
			continue
		}
		off := len(recent) - len(hs)
		ok := true
		for i, h := range hs {
			if recent[off+i] != h {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// stopWords: function words of the languages the kit's users write in most.
// They do not count as task terms or as stuffed keywords, and their share
// tells prose from word salad.
const stopWords = `
a an the and or but if then else of to in on at by for with from as is are was were be been being
it its this that these those there here he she they them his her their we our you your i me my
not no nor so too than very can could will would shall should may might must do does did done
have has had having into onto over under about above below up down out off again further once
all any both each few more most other some such only own same just also which who whom whose
what when where why how while during before after between through until against per via
de la le les des du un une et est en au aux pour par sur dans que qui ne pas plus ou se ce il
el los las del y es por con para una al lo como su sus o pero mas
der die das und ist ein eine zu den dem nicht mit von sich auf für im auch als es wie
il lo gli di da che non con per una sono
o os as um uma não com por para que em do da dos das
het een van en dat niet op te zijn
и в не на что с по как это к но он она они из за от
的 了 是 在 和 也 有 就 不 人 都 一 这 中 上 为 与
の に は を が と で た し て も な い る か
`

// metaWords tell the worker what to do rather than what the task is about,
// so a delivery is not expected to repeat them.
const metaWords = `
read attached attach produce write compile explain provide create make give include describe list
propose implement concise short brief detailed natural please summarize summarise summary report
document draft prepare deliver recent main following based using use need needs want task words
about approximately around long page pages covering cover
`

// loremWords: the pseudo-Latin of lorem ipsum generators (English words such
// as "sit" or "do" are left out on purpose).
const loremWords = `
lorem ipsum dolor amet consectetur adipiscing adipisicing elit eiusmod tempor incididunt labore
dolore magna aliqua enim minim veniam quis nostrud exercitation ullamco laboris nisi aliquip
commodo consequat duis aute irure reprehenderit voluptate velit esse cillum fugiat nulla
pariatur excepteur sint occaecat cupidatat proident sunt culpa officia deserunt mollit anim
laborum vestibulum ullamcorper pellentesque fermentum curabitur viverra mauris tincidunt
`

// vagueWords make text sound complete without saying anything checkable.
const vagueWords = `
various several many things stuff etc somehow basically generally really lots numerous
something somewhat quite certain kind sort overall truly extremely highly
`

var refusalPhrases = []string{
	"as an ai language model", "as an ai model", "as a large language model", "as an ai assistant",
	"i'm sorry but i can't", "i am sorry but i cannot", "i'm sorry but i cannot", "i'm sorry, i can't",
	"i cannot fulfill", "i can't fulfill", "i cannot assist with", "i can't assist with",
	"i cannot help with", "i can't help with", "i'm unable to help", "i am unable to help",
	"i'm unable to complete", "i am unable to complete", "i cannot complete this",
	"i can't complete this", "i'm not able to provide", "i am not able to provide",
	"i don't have access to the internet", "i do not have access to real-time",
	"i don't have the ability to", "i do not have the ability to",
}

var fillerPhrases = []string{
	"it is important to note", "it's important to note", "it is worth noting", "it's worth noting",
	"in today's fast-paced world", "in today's world", "it goes without saying", "needless to say",
	"at the end of the day", "as previously mentioned", "as mentioned above", "as stated above",
	"plays a crucial role", "plays a vital role", "plays an important role", "in this day and age",
	"first and foremost", "last but not least", "all things considered", "when all is said and done",
	"it should be noted", "it can be said that", "for all intents and purposes", "in the final analysis",
	"a wide range of", "a variety of different", "each and every", "in a very real sense",
	"the fact of the matter", "to be honest", "in order to ensure that", "it is clear that",
}
