package mockserver

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Event is one event of the control API's stream (GET /_control/events).
type Event struct {
	ID   uint64          // 0 for stream.open and stream.resync
	Type string          // task.created, bid.placed, bid.accepted, ...
	Data json.RawMessage // the Event object of control-api.yaml
}

// Decode reads the event's data into v.
func (e Event) Decode(v any) error { return json.Unmarshal(e.Data, v) }

// EventStream reads the event stream; close it when done.
type EventStream struct {
	body io.ReadCloser
	r    *bufio.Reader
	// LastID is the id of the last event read: pass it to Events to resume.
	LastID uint64
}

// maxEventLine bounds one line of the stream (an event's data is one line).
const maxEventLine = 8 << 20

// Events opens the event stream; lastEventID "" starts with stream.open,
// else the stream replays what came after that event (or says
// stream.resync). ctx bounds the whole stream, not only the opening.
func (c *ControlClient) Events(ctx context.Context, lastEventID string) (*EventStream, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/events", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("control API GET /events: %w", err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		defer resp.Body.Close()
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return nil, &ControlError{Status: resp.StatusCode, Message: "GET /events: not an event stream: " + strings.TrimSpace(string(data))}
	}
	return &EventStream{body: resp.Body, r: bufio.NewReaderSize(resp.Body, 64<<10)}, nil
}

// Next blocks until the next event; comments (the keep-alive) are skipped.
// It returns io.EOF when the server ends the stream.
func (s *EventStream) Next() (Event, error) {
	var ev Event
	var data []byte
	for {
		line, err := s.readLine()
		if err != nil {
			return Event{}, err
		}
		switch {
		case line == "":
			if data == nil {
				continue // a comment's block, or a retry: line alone
			}
			ev.Data = data
			if ev.ID != 0 {
				s.LastID = ev.ID
			}
			return ev, nil
		case strings.HasPrefix(line, ":"):
		default:
			field, value, _ := strings.Cut(line, ":")
			value = strings.TrimPrefix(value, " ")
			switch field {
			case "id":
				ev.ID, _ = strconv.ParseUint(value, 10, 64)
			case "event":
				ev.Type = value
			case "data":
				if data != nil {
					data = append(data, '\n')
				}
				data = append(data, value...)
			}
		}
	}
}

func (s *EventStream) readLine() (string, error) {
	var b strings.Builder
	for {
		chunk, isPrefix, err := s.r.ReadLine()
		if err != nil {
			if errors.Is(err, io.EOF) && b.Len() > 0 {
				return b.String(), nil
			}
			return "", err
		}
		b.Write(chunk)
		if b.Len() > maxEventLine {
			return "", errors.New("event stream: a line over 8 MiB")
		}
		if !isPrefix {
			return b.String(), nil
		}
	}
}

// Close ends the stream.
func (s *EventStream) Close() error { return s.body.Close() }
