package pdqg

import (
	"strings"
	"sync"
)

// lexicon holds the word lists the scorer looks words up in, keyed by the
// same 64-bit hash the tokeniser computes, so a lookup never builds a string.
type lexicon struct {
	table       *internTable    // word hash -> class bits | language mask << 8
	concepts    *internTable    // folded stem -> concept id | language mask << 16
	members     [][]uint64      // concept id -> the folded stems of its words
	langName    map[string]lang // folded language name ("francais", "deutsch") -> language
	anyLanguage []string        // folded allowance phrases, space-padded
	refusals    phraseSet
	fillers     phraseSet
	unfinished  phraseSet
}

// loadLexicon builds the tables once per process. They are immutable after
// construction, so sharing them is safe and keeps Score allocation-light; it
// is the one package-level value, and it holds no state.
var loadLexicon = sync.OnceValue(buildLexicon)

func buildLexicon() *lexicon {
	lx := &lexicon{
		refusals:   newPhraseSet(refusalPhrases),
		fillers:    newPhraseSet(fillerPhrases),
		unfinished: newPhraseSet(unfinishedPhrases),
		langName:   map[string]lang{},
	}
	classes := map[uint64]int32{}
	add := func(list string, class uint8) {
		for _, w := range strings.Fields(list) {
			classes[hashWord(w)] |= int32(class)
		}
	}
	addLang := func(list string, m langMask) {
		for _, w := range strings.Fields(list) {
			classes[hashWord(w)] |= int32(m) << 8
		}
	}
	add(stopWords, cStop)
	for l := range stopLangs {
		add(langStopWords[l], cStop)
		addLang(langStopWords[l], 1<<l)
		addLang(langMarkerWords[l], 1<<l)
	}
	add(loremWords, cLorem)
	add(vagueWords, cVague)
	add("insert placeholder your", cInsert)
	add(metaWords, cMeta)
	for last := range lx.refusals.byLast {
		classes[last] |= int32(cRefusalEnd)
	}
	for last := range lx.fillers.byLast {
		classes[last] |= int32(cFillerEnd)
	}
	for last := range lx.unfinished.byLast {
		classes[last] |= int32(cUnfinishedEnd)
	}
	for l, names := range languageNames {
		for _, w := range strings.Fields(names) {
			lx.langName[foldString(w)] = lang(l)
			classes[hashWord(w)] |= int32(cMeta) // "French" is how the task asks, not what it is about
		}
	}
	lx.table = newInternTable(len(classes))
	for h, c := range classes {
		lx.table.put(h, c)
	}
	for _, p := range strings.Split(anyLanguagePhrases, "\n") {
		if p = strings.TrimSpace(p); p != "" {
			lx.anyLanguage = append(lx.anyLanguage, " "+strings.Join(phraseWords(p), " ")+" ")
		}
	}
	cs, _ := buildConcepts(conceptLexicon)
	lx.concepts = newInternTable(len(cs))
	for stem, v := range cs {
		lx.concepts.put(stem, v)
	}
	return lx
}

// buildConcepts reads the concept lexicon: one concept a line, its words in
// English | French | German | Spanish | Portuguese | Italian. A word is
// keyed by its folded stem, so "résultats" and "results" are one key; a key
// in two concepts is a mistake in the list (TestConceptStemsAreUnique).
func buildConcepts(src string) (map[uint64]int32, int) {
	out := map[uint64]int32{}
	id := int32(0)
	for _, line := range strings.Split(src, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		id++
		for col, words := range strings.Split(line, "|") {
			for _, w := range strings.Fields(words) {
				k := keysOf(w)
				v := out[k.stem]
				if v&0xFFFF == 0 {
					v = id
				}
				out[k.stem] = v | int32(1<<col)<<16
			}
		}
	}
	return out, int(id)
}

// class returns the class bits of a word hash (0 for a word in no list).
func (lx *lexicon) class(h uint64) uint8 {
	c, _ := lx.table.get(h)
	return uint8(c)
}

// langOf returns the languages whose function words include the word.
func (lx *lexicon) langOf(h uint64) langMask {
	c, _ := lx.table.get(h)
	return langMask(c >> 8)
}

// concept returns the concept of a folded stem (0 if none) and the
// languages its words there belong to.
func (lx *lexicon) concept(stem uint64) (int32, langMask) {
	v, ok := lx.concepts.get(stem)
	if !ok {
		return 0, 0
	}
	return v & 0xFFFF, langMask(v >> 16)
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
func (ps phraseSet) match(recent []uint64) bool { return ps.matchLen(recent) > 0 }

// matchLen is the length in words of the phrase ending at the newest word,
// 0 if none.
func (ps phraseSet) matchLen(recent []uint64) int {
	if len(recent) == 0 {
		return 0
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
			return len(hs)
		}
	}
	return 0
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

// langStopWords are each language's commonest function words, in the order
// of the lang constants. They count as stop words (above) and tell the
// language of a text: detection counts them per language.
var langStopWords = [stopLangs]string{
	english: `a an the and or but if then else of to in on at by for with from as is are was were be been
being it its this that these those there here he she they them his her their we our you your i me my
not no nor so too than very can could will would shall should may might must do does did done have
has had having into onto over under about above below up down out off again further once all any both
each few more most other another some such only own same just also which who whom whose what when where why
how while during before after between through until against per via`,
	french: `le la les un une des du de et est sont ou où mais donc ni ne pas plus moins que qui quoi dont ce
cette ces se sa ses leur leurs il elle ils elles on nous vous je tu te y en au aux pour par sur
sous dans avec sans chez entre vers selon depuis pendant avant après comme aussi très tout tous toute
toutes même déjà encore bien être avoir ont était sera peut faut notre nos votre vos si lors afin
ainsi mes cela ceci`,
	german: `der die das den dem des ein eine einer eines einem einen und oder aber doch ist sind waren wird
werden wurde wurden sein haben hatte nicht kein keine keinen mit von zu zum zur auf für im in an am aus
bei beim vom nach seit um über unter durch gegen ohne bis als wie auch noch nur schon sehr so es er
sie wir ihr ich sich dass wenn weil da diese dieser dieses diesen jede jeder jedes sowie bzw können
kann muss soll mehr wo`,
	spanish: `el la los las lo un una unos unas y o u pero sino que de del al en con por para sobre entre
hasta desde es ser está están estar ha han muy más menos también ya no sí se le les su sus mi nos este
esta estos estas ese esa eso como cuando donde porque según cada todo todos toda otro otra otros
otras`,
	portuguese: `o os as um uma uns umas e ou mas que de do da dos das no na nos nas ao aos em com por para
pelo pela pelos pelas sem sobre entre até desde é são foi ser está estão estar há tem têm muito mais
menos também já não se lhe seu sua seus suas este esta estes estas esse essa isso como quando onde
porque cada todo todos toda outro outra outros outras`,
	italian: `il lo la i gli le un uno una di del dello della dei degli delle al allo alla ai agli alle da
dal dalla dai in nel nello nella nei negli nelle con su sul sulla per tra fra e ed o ma che non è
sono essere ha hanno più meno anche già molto se si ci questo questa questi queste quello quella
quando perché ogni tutto tutti loro suo sua suoi`,
	dutch: `de het een en of maar dat die dit deze van in op te voor aan bij uit om over als dan ook niet
geen is zijn was waren wordt worden heeft hebben er wel nog al zo hoe wat wie waar onze ons hun naar`,
}

// langMarkerWords tell a language apart like its stop words, but are also
// English content words ("come", "car", "war"), so they stay content words.
var langMarkerWords = [stopLangs]string{
	french:  `car son ton lui été cet`,
	german:  `war man hat`,
	spanish: `son fue sin hay`,
	italian: `come dove era ho`,
	dutch:   `met door`,
}

// languageNames name each language in the lexicon's languages, folded and
// in the order of the lang constants: a task that names one allows it.
var languageNames = [numLangs]string{
	english:    `english anglais anglaise englisch englische englischen ingles inglesa inglese`,
	french:     `french francais francaise franzosisch franzosische franzosischen frances francesa francese`,
	german:     `german deutsch deutsche deutschen allemand allemande aleman alemana alemao alema tedesco tedesca`,
	spanish:    `spanish espagnol espagnole spanisch spanische spanischen espanol espanola espanhol espanhola spagnolo spagnola castellano`,
	portuguese: `portuguese portugais portugaise portugiesisch portugiesische portugiesischen portugues portuguesa portoghese`,
	italian:    `italian italien italienne italienisch italienische italienischen italiano italiana`,
	dutch:      `dutch neerlandais neerlandaise niederlandisch niederlandische niederlandischen neerlandes holandes olandese nederlands`,
	japanese:   `japanese japonais japonaise japanisch japanische japanischen japones japonesa giapponese 日本語`,
	chinese:    `chinese chinois chinoise chinesisch chinesische chinesischen chino chines chinesa cinese 中文`,
}

// anyLanguagePhrases welcome a delivery in another language than the task's
// (compared folded, as whole words; a negation just before one cancels it).
const anyLanguagePhrases = `
any language
another language
other language
other languages
any other language
language of your choice
languages are welcome
language is welcome
languages are fine
language is fine
whichever language
multilingual
autre langue
autres langues
toute langue
n'importe quelle langue
langue de votre choix
andere sprache
anderen sprache
anderen sprachen
beliebige sprache
beliebigen sprache
sprache ihrer wahl
jede sprache
otro idioma
otros idiomas
otra lengua
cualquier idioma
cualquier lengua
idioma de tu eleccion
idioma de su eleccion
outro idioma
outros idiomas
outra lingua
qualquer idioma
qualquer lingua
altra lingua
altre lingue
qualsiasi lingua
lingua a scelta
andere taal
elke taal
`

// languageStems are the forms of "language" every allowance phrase uses,
// checked first so a task that names no language costs little
// (TestAllowancePhrasesNameALanguage).
var languageStems = []string{"langu", "sprach", "idiom", "lingu", "lengua", "taal", "multiling"}

// negations cancel an allowance phrase right after them ("no other language").
var negations = []string{" not ", "n t ", " no ", " never ", " without ", " only ", " pas ", " aucune ", " nicht ", " keine ", " kein ", " nunca ", " sin ", " ningun ", " nao ", " nenhum ", " senza ", " nessuna ", " non "}

var unfinishedPhrases = []string{
	"omitted for brevity", "truncated for brevity", "shortened for brevity", "left out for brevity",
	"to be added later", "will be added later", "will be completed later", "to be completed later",
	"rest omitted", "remainder omitted", "output truncated",
}

// unfinishedLines are lines that, alone on their line (decoration stripped,
// ASCII lower-cased), say the work stops before it is done.
var unfinishedLines = map[string]bool{
	"to be continued": true, "continued": true, "tbc": true, "more to come": true, "to follow": true,
	"cont": true, "cont'd": true, "continues": true, "continued below": true, "continued in part 2": true,
	"continued in the next part": true, "rest omitted": true, "remainder omitted": true, "truncated": true,
	"a suivre": true, "à suivre": true, "À suivre": true, "suite au prochain numéro": true, "la suite bientôt": true,
	"fortsetzung folgt": true, "wird fortgesetzt": true, "continuará": true, "continuara": true,
	"continuación": true, "continua": true, "continuerà": true, "segue": true, "continua no próximo": true,
	"wordt vervolgd": true,
}

// metaWords tell the worker what to do rather than what the task is about,
// so a delivery is not expected to repeat them.
const metaWords = `
read attached attach produce write compile explain provide create make give include describe list
propose implement concise short brief detailed natural please summarize summarise summary report
document draft prepare deliver recent main following based using use need needs want task words
about approximately around long page pages covering cover translate translated translation next previous last
word mot mots wort wörter worte palabra palabras palavra palavras parola parole woorden
translations language languages version versions welcome equally accepted native fluent idiomatic
rédiger écrire résumer traduire traduis traduisez fournir expliquer décrire proposer
schreiben erstellen zusammenstellen zusammenfassen erklären übersetzen übersetze beschreiben liefern
escribe escribir redactar redacta resumir resume traducir traduce explicar describir proporcionar
escrever escreva resumir traduzir traduza explicar descrever fornecer
scrivere scrivi riassumere riassumi tradurre traduci spiegare descrivere fornire
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
