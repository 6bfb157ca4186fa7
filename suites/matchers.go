package suites

import (
	"fmt"

	"github.com/onsi/gomega/types"
)

// exchangeMatcher is a named matcher over an *Exchange whose failure message
// shows the exchange (secrets redacted).
type exchangeMatcher struct {
	want  string
	check func(*Exchange) error
	x     *Exchange
	err   error
}

func (m *exchangeMatcher) Match(actual any) (bool, error) {
	x, ok := actual.(*Exchange)
	if !ok || x == nil {
		return false, fmt.Errorf("%s: want an *Exchange, got %T", m.want, actual)
	}
	m.x, m.err = x, m.check(x)
	return m.err == nil, nil
}

func (m *exchangeMatcher) FailureMessage(any) string {
	return fmt.Sprintf("%v\n%s", m.err, m.x)
}

func (m *exchangeMatcher) NegatedFailureMessage(any) string {
	return fmt.Sprintf("expected the answer not to be %s\n%s", m.want, m.x)
}

func matcher(want string, check func(*Exchange) error) types.GomegaMatcher {
	return &exchangeMatcher{want: want, check: check}
}

// HaveStatus succeeds when the answer has this status.
func HaveStatus(status int) types.GomegaMatcher {
	return matcher(fmt.Sprintf("status %d", status), func(x *Exchange) error {
		if x.Status != status {
			return fmt.Errorf("expected status %d, got %d", status, x.Status)
		}
		return nil
	})
}

// BeSuccess succeeds on a 2xx answer with the envelope {"ok":true,"data":...}.
func BeSuccess(status int) types.GomegaMatcher {
	return matcher(fmt.Sprintf("a %d success envelope", status), func(x *Exchange) error {
		if x.Status != status {
			return fmt.Errorf("expected status %d, got %d", status, x.Status)
		}
		env, err := decodeEnvelope(x)
		if err != nil {
			return err
		}
		if env.OK == nil || !*env.OK || len(env.Data) == 0 {
			return fmt.Errorf("expected {\"ok\":true,\"data\":...}")
		}
		return nil
	})
}

// BeAnySuccess succeeds on a 2xx answer in the success envelope, whatever
// its exact status (the seed states none for a creation).
func BeAnySuccess() types.GomegaMatcher {
	return matcher("a 2xx success envelope", func(x *Exchange) error {
		if x.Status/100 != 2 {
			return fmt.Errorf("expected a 2xx status, got %d", x.Status)
		}
		env, err := decodeEnvelope(x)
		if err != nil {
			return err
		}
		if env.OK == nil || !*env.OK || len(env.Data) == 0 {
			return fmt.Errorf("expected {\"ok\":true,\"data\":...}")
		}
		return nil
	})
}

// HaveErrorCode succeeds on an error answer with this status and code, in the
// documented envelope {"ok":false,"error":{"code","message"}}.
func HaveErrorCode(status int, code string) types.GomegaMatcher {
	return matcher(fmt.Sprintf("%d %s", status, code), func(x *Exchange) error {
		if x.Status != status {
			return fmt.Errorf("expected status %d (%s), got %d", status, code, x.Status)
		}
		return envelopeError(x, code)
	})
}

// BeErrorEnvelope succeeds on any answer that is the documented error
// envelope, whatever its status and code.
func BeErrorEnvelope() types.GomegaMatcher {
	return matcher("an error envelope", func(x *Exchange) error { return envelopeError(x, "") })
}

func envelopeError(x *Exchange, code string) error {
	env, err := decodeEnvelope(x)
	if err != nil {
		return err
	}
	switch {
	case env.OK == nil || *env.OK:
		return fmt.Errorf("expected \"ok\": false in the error body")
	case env.Error == nil:
		return fmt.Errorf("expected an \"error\" object in the error body")
	case env.Error.Message == "":
		return fmt.Errorf("expected a non-empty error.message")
	case code != "" && env.Error.Code != code:
		return fmt.Errorf("expected error.code %q, got %q", code, env.Error.Code)
	case env.Error.Code == "":
		return fmt.Errorf("expected a non-empty error.code")
	}
	return nil
}

// BeJSON succeeds when the answer is served as application/json.
func BeJSON() types.GomegaMatcher {
	return matcher("served as application/json", func(x *Exchange) error {
		if ct := x.Header.Get("Content-Type"); !isJSON(ct) {
			return fmt.Errorf("expected Content-Type application/json, got %q", ct)
		}
		return nil
	})
}

// BeAPage succeeds on a 200 listing page: items and a consistent pagination
// object (next_cursor null exactly when has_more is false, total_estimate >= 0).
func BeAPage() types.GomegaMatcher {
	return matcher("a page of tasks", func(x *Exchange) error {
		if x.Status != 200 {
			return fmt.Errorf("expected status 200, got %d", x.Status)
		}
		p, err := decodePage(x)
		if err != nil {
			return err
		}
		return p.consistent()
	})
}
