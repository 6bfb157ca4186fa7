package pdqg

import (
	"strings"
	"testing"
)

func detectText(s string) lang {
	lx := loadLexicon()
	sc := newScanner(lx, s, nil)
	defer sc.release()
	sc.scan()
	st := sc.finish()
	return st.langs.detect(minLangHits)
}

func TestDetectLanguage(t *testing.T) {
	tests := []struct {
		text string
		want lang
	}{
		{"The thermostat learns your routine and adjusts the heating to the weather, so that you save money in the winter and the house is warm when you come home.", english},
		{"Le thermostat apprend vos habitudes et adapte le chauffage à la météo, pour que vous fassiez des économies en hiver et que la maison soit chaude quand vous rentrez.", french},
		{"Das Thermostat lernt Ihre Gewohnheiten und passt die Heizung an das Wetter an, damit Sie im Winter sparen und das Haus warm ist, wenn Sie nach Hause kommen.", german},
		{"El termostato aprende sus rutinas y adapta la calefacción al tiempo, para que ahorre en invierno y la casa esté caliente cuando vuelva a casa.", spanish},
		{"O termostato aprende a sua rotina e ajusta o aquecimento ao tempo, para que poupe no inverno e a casa esteja quente quando chegar.", portuguese},
		{"Il termostato impara le vostre abitudini e adatta il riscaldamento al meteo, così risparmiate in inverno e la casa è calda quando tornate.", italian},
		{"De thermostaat leert uw gewoonten en past de verwarming aan het weer aan, zodat u in de winter bespaart en het huis warm is als u thuiskomt.", dutch},
		{"新しいスマートサーモスタットは、あなたの生活リズムと地域の天気に合わせて暖房を自動で調整します。", japanese},
		{"新的智能恒温器会根据您的作息和当地天气自动调节供暖。", chinese},
		// Too little to tell, or a list of figures: undetermined, and no
		// rule that depends on the language fires.
		{"Revenue grew 15% YoY...", langUnknown},
		{"- Nimbus 2\n- 14 %\n- 199 €", langUnknown},
	}
	for _, tt := range tests {
		if got := detectText(tt.text); got != tt.want {
			t.Errorf("%.40q: detected %s, want %s", tt.text, got.code(), tt.want.code())
		}
	}
}

func TestParseTaskLangs(t *testing.T) {
	lx := loadLexicon()
	tests := []struct {
		name                   string
		task                   Task
		task_, target, source  lang
		named                  []lang
		anyLang                bool
		stated                 int
		source_text_has_prefix string
	}{
		{name: "English task, English only", task: Task{Title: "Summarize quarterly earnings report", Description: "...", Category: "summarization"}, task_: english, target: langUnknown, source: langUnknown},
		{name: "another language welcome", task: Task{Title: "Blog post: five habits of productive remote teams", Description: "Write a 500-word blog post for engineering managers. A version in another language is equally welcome."}, task_: english, target: langUnknown, source: langUnknown, anyLang: true, stated: 500},
		{name: "negated allowance", task: Task{Title: "Write a product page", Description: "Write the product page in English only, no other language, about 300 words."}, task_: english, target: langUnknown, source: langUnknown, named: []lang{english}, stated: 300},
		{name: "named in French", task: Task{Title: "Rédiger une page produit", Description: "Écrivez la page produit en français ou en anglais, environ 300 mots."}, task_: french, target: langUnknown, source: langUnknown, named: []lang{english, french}, stated: 300},
		{name: "German task", task: Task{Title: "Recherche: Verbreitung von Wärmepumpen in Nordeuropa", Description: "Aktuelle Daten zur Verbreitung von Wärmepumpen in Norwegen, Schweden und Finnland mit Quellen zusammenstellen."}, task_: german, target: langUnknown, source: langUnknown},
		{name: "translation, no source", task: Task{Title: "Translate product announcement into French", Description: "Translate the English product announcement for the Nimbus 2 smart thermostat into natural French for the website.", Category: "translation"}, task_: english, target: french, source: english, named: []lang{english, french}},
		{name: "translation, Source text:", task: Task{Title: "Translate the notice into German", Description: "Translate this for the Vienna team.\n\nSource text: Your order left our warehouse in Rotterdam on 3 March and will be delivered on Thursday.", Category: "translation"}, task_: english, target: german, source: english, named: []lang{german}, source_text_has_prefix: "Your order left"},
		{name: "translation from Spanish, quoted", task: Task{Title: "Translate a customer review", Description: "Translate this Spanish review into English: «El envío llegó en dos días y la cafetera funciona muy bien, aunque el manual solo está en inglés.»", Category: "translation"}, target: english, source: spanish, named: []lang{english, spanish}, source_text_has_prefix: "El envío", task_: english},
		{name: "translation, fenced block, into", task: Task{Title: "Traduire les notes de version en anglais", Description: "Traduisez ce texte vers l'anglais :\n\n```\nLa version 4.2 est disponible. Les factures récurrentes sont envoyées chaque mois.\n```", Category: "translation"}, task_: french, target: english, source: french, named: []lang{english}, source_text_has_prefix: "La version 4.2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := parseTaskLangs(lx, tt.task, tt.task.Category == "translation")
			if tl.task != tt.task_ || tl.target != tt.target || tl.source != tt.source || tl.anyLang != tt.anyLang || tl.stated != tt.stated {
				t.Errorf("task %s target %s source %s any %v stated %d; want %s %s %s %v %d", tl.task.code(), tl.target.code(), tl.source.code(), tl.anyLang, tl.stated,
					tt.task_.code(), tt.target.code(), tt.source.code(), tt.anyLang, tt.stated)
			}
			var named langSet
			for _, l := range tt.named {
				named.add(l)
			}
			if tl.named != named {
				t.Errorf("named %q, want %q", tl.named.names(), named.names())
			}
			if !strings.HasPrefix(tl.srcText, tt.source_text_has_prefix) || (tt.source_text_has_prefix == "") != (tl.srcText == "") {
				t.Errorf("source text %q, want it to start with %q", tl.srcText, tt.source_text_has_prefix)
			}
		})
	}
}

func TestFindSourceIgnoresWordsEndingInAMarker(t *testing.T) {
	// "context:" ends in "text:", which is not a marker there.
	if src, _ := findSource("Some context: the launch is in October, so keep it short and friendly."); src != "" {
		t.Errorf("found a source in %q", src)
	}
}

func TestTokenizerKeepsDigitGroups(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"1 200 foyers", []string{"1 200", "foyers"}},
		{"1 200 000 €", []string{"1 200 000"}},
		{"29\u202f800 yens", []string{"29\u202f800", "yens"}},
		{"in 2025 100 homes", []string{"in", "2025", "100", "homes"}}, // a year before a count
		{"Q3 2025", []string{"Q3", "2025"}},
		{"15.5 and 1,200", []string{"15.5", "and", "1,200"}},
		{"Größe Ändern", []string{"Größe", "Ändern"}},
	}
	for _, tt := range tests {
		if got := tokenizeWords(tt.in); strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%q: %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestUnfinishedLine(t *testing.T) {
	tests := []struct {
		line string
		want int
	}{
		{"(to be continued)", lineMarker},
		{"*To be continued...*", lineMarker},
		{"## To be continued", lineMarker},
		{"[Continued in the next part]", lineMarker},
		{"À suivre", lineMarker},
		{"*à suivre*", lineMarker},
		{"Fortsetzung folgt.", lineMarker},
		{"(Continuará)", lineMarker},
		{"...", lineEllipsis},
		{"[…]", lineEllipsis},
		{"---", lineText},
		{"The pilot is to be continued in 2026.", lineText},
		{"## Guidance", lineText},
	}
	for _, tt := range tests {
		if got := unfinishedLine(tt.line); got != tt.want {
			t.Errorf("%q: %d, want %d", tt.line, got, tt.want)
		}
	}
}
