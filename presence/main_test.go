package presence

import (
	"os"
	"testing"

	"github.com/switchboardhq/switchboard/internal/leakcheck"
)

// TestMain fails the run when goroutines outlive the tests.
func TestMain(m *testing.M) { os.Exit(leakcheck.Run(m, leakcheck.Config{})) }
