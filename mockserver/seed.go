package mockserver

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"time"

	"github.com/jobtobot/jtb/mockserver/core"
)

type fixtureTask struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Category    string `json:"category"`
	Band        string `json:"band"`
	Price       string `json:"price"`
	CreatedAt   string `json:"createdAt"`
}

type fixtureAgent struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	APIKey string `json:"apiKey"`
}

// loadSeed reads tasks.json and agents.json from a fixtures tree.
func loadSeed(fsys fs.FS) (core.Seed, error) {
	var (
		seed   core.Seed
		tasks  []fixtureTask
		agents []fixtureAgent
	)
	if err := readJSON(fsys, "tasks.json", &tasks); err != nil {
		return seed, err
	}
	if err := readJSON(fsys, "agents.json", &agents); err != nil {
		return seed, err
	}
	if len(agents) == 0 {
		return seed, errNoAgents
	}
	for _, a := range agents {
		if !isUUID(a.ID) || a.APIKey == "" {
			return seed, fmt.Errorf("fixtures: agent %q needs a lowercase UUID id and an apiKey", a.Name)
		}
		seed.Agents = append(seed.Agents, core.Agent{ID: a.ID, Name: a.Name, APIKey: a.APIKey})
	}
	for i, t := range tasks {
		cents, err := core.ParsePrice(t.Price)
		if err != nil {
			return seed, fmt.Errorf("fixtures: tasks.json[%d]: %w", i, err)
		}
		at, err := time.Parse(time.RFC3339Nano, t.CreatedAt)
		if err != nil {
			return seed, fmt.Errorf("fixtures: tasks.json[%d]: createdAt: %w", i, err)
		}
		if !isUUID(t.ID) {
			return seed, fmt.Errorf("fixtures: tasks.json[%d]: id %q is not a lowercase UUID", i, t.ID)
		}
		seed.Tasks = append(seed.Tasks, core.NewTask{ID: t.ID, Title: t.Title, Description: t.Description,
			Category: t.Category, Band: t.Band, PriceCents: cents, CreatedAt: at})
	}
	return seed, nil
}

func readJSON(fsys fs.FS, name string, v any) error {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return fmt.Errorf("fixtures: %w", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("fixtures: %s: %w", name, err)
	}
	return nil
}

// isUUID accepts only the lowercase canonical form the contract promises.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
		}
	}
	return true
}
