package foreign

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"testing/fstest"
	"time"

	"github.com/google/uuid"
)

// fixtures are the foreign server's own seed: other tasks, categories,
// bands, prices and agents than the mock's, every createdAt its own.
type fixtures struct {
	tasks  []fixtureTask
	agents []fixtureAgent
}

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

// fixtureTasks is how many open tasks the server starts with: more than a
// page of 20, and than the traversals' page sizes many times over.
const fixtureTasks = 57

func newFixtures() fixtures {
	var f fixtures
	categories := []string{"legal", "marketing", "coding", "data", "research", "translation", "audio"}
	bands := []string{"bronze", "silver", "gold"}
	start := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	for i := range fixtureTasks {
		cat, band := categories[i%len(categories)], bands[i%len(bands)]
		f.tasks = append(f.tasks, fixtureTask{
			ID:          uuid.NewString(),
			Title:       fmt.Sprintf("Foreign task %02d: a %s job", i, cat),
			Description: fmt.Sprintf("Work of the %s band in %s, posted to the foreign stand-in.", band, cat),
			Category:    cat, Band: band,
			Price:     fmt.Sprintf("%d.%02d", 7+i*3, (i*17)%100),
			CreatedAt: start.Add(time.Duration(i) * 37 * time.Minute).Format(time.RFC3339Nano),
		})
	}
	for _, name := range []string{"orion", "vega", "lyra"} {
		f.agents = append(f.agents, fixtureAgent{ID: uuid.NewString(), Name: name, APIKey: "jtb_live_fx_" + rand.Text()})
	}
	return f
}

func (f fixtures) fs() fstest.MapFS {
	tasks, _ := json.Marshal(f.tasks)
	agents, _ := json.Marshal(f.agents)
	return fstest.MapFS{"tasks.json": {Data: tasks}, "agents.json": {Data: agents}}
}
