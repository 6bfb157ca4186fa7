package core

import "fmt"

// Code is an error code of the Agent API envelope.
type Code string

// The error vocabulary of docs/DECISIONS.md.
const (
	CodeBadRequest       Code = "BAD_REQUEST"
	CodeUnauthorized     Code = "UNAUTHORIZED"
	CodeForbidden        Code = "FORBIDDEN"
	CodeNotFound         Code = "NOT_FOUND"
	CodeMethodNotAllowed Code = "METHOD_NOT_ALLOWED"
	CodeConflict         Code = "CONFLICT"
	CodeKeyInUse         Code = "IDEMPOTENCY_KEY_IN_USE"
	CodeTooLarge         Code = "PAYLOAD_TOO_LARGE"
	CodeKeyReused        Code = "IDEMPOTENCY_KEY_REUSED"
	CodeInternal         Code = "INTERNAL"
)

// Error is a failure with its envelope code and a human message.
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

func errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// TaskNotFound is the one answer for a task id the store does not hold, on
// either API (the HTTP layer's 404 step gives it too).
func TaskNotFound(id string) *Error { return errorf(CodeNotFound, "task %s not found", id) }

// errNotAssignee is the one answer to an agent acting on a task it does not hold.
func errNotAssignee() *Error {
	return errorf(CodeForbidden, "you are not the assigned agent of this task")
}
