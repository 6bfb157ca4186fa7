package foreign

import (
	"testing"
)

func TestIDsAreABijection(t *testing.T) {
	m := newIDs()
	const mock = "6351aa1d-b320-5143-a8bc-99b8c3c9456c"
	out := m.outer(mock)
	if out == mock || !isUUID(out) {
		t.Fatalf("outer(%s) = %s, want another UUID", mock, out)
	}
	if m.outer(mock) != out || m.inner(out) != mock {
		t.Errorf("the mapping is not consistent both ways")
	}
	const made = "00000000-0000-4000-8000-00000000beef" // never handed out
	twin := m.inner(made)
	if twin == made || twin == mock || m.outer(twin) != made {
		t.Errorf("inner(%s) = %s, want a twin of its own that maps back", made, twin)
	}
	if got := m.innerPath("/v1/tasks/" + out + "/bids"); got != "/v1/tasks/"+mock+"/bids" {
		t.Errorf("innerPath = %s", got)
	}
}

// A request body keeps every byte the client wrote but the ids it maps,
// broken JSON included.
func TestMapStringsKeepsTheRest(t *testing.T) {
	f := func(s string) (string, bool) { return "X", s == "a" }
	tests := []struct{ in, want string }{
		{`{ "k": "a",  "n": 12.505, "e": "\"a\"" }`, `{ "k": "X",  "n": 12.505, "e": "\"a\"" }`},
		{`{"a": [1, "a"]}`, `{"X": [1, "X"]}`},
		{`{"k": "a", "oops`, `{"k": "X", "oops`},
		{`[]`, `[]`},
	}
	for _, tt := range tests {
		if got := string(mapStrings([]byte(tt.in), f)); got != tt.want {
			t.Errorf("mapStrings(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestReverseKeysKeepsNumbers(t *testing.T) {
	n, err := parseJSON([]byte(`{"a":1.50,"c":{"y":12345678901234567890,"z":null},"b":["é<"]}`))
	if err != nil {
		t.Fatal(err)
	}
	n.reverseKeys()
	if got, want := string(n.bytes()), `{"c":{"z":null,"y":12345678901234567890},"b":["é<"],"a":1.50}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
