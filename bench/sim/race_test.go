package sim

import "github.com/switchboardhq/switchboard/internal/race"

// raceOn is set when the race detector is on: it slows the hub about
// thirteen-fold, so the long statistical runs shrink or skip.
const raceOn = race.Enabled
