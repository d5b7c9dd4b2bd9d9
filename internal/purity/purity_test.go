// Package purity checks that the engine packages stay pure (STYLE.md §4):
// no clock reads, no randomness, no goroutines, no I/O in router, presence
// and session. Time comes in as a parameter; that is what lets the simulator
// run the real engine on virtual time.
package purity

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var forbiddenImports = map[string]bool{
	"math/rand": true, "math/rand/v2": true, "crypto/rand": true, "os": true, "net": true,
	"net/http": true, "io/ioutil": true, "os/exec": true, "syscall": true, "unsafe": true,
}

func TestEnginePackagesArePure(t *testing.T) {
	for _, pkg := range []string{"router", "presence", "session"} {
		files, _ := filepath.Glob(filepath.Join("..", "..", pkg, "*.go"))
		if len(files) == 0 {
			t.Fatalf("no files in %s", pkg)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			checkFile(t, f)
		}
	}
}

func checkFile(t *testing.T, path string) {
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, path, src, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range file.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		if forbiddenImports[p] {
			t.Errorf("%s imports %s", path, p)
		}
	}
	ast.Inspect(file, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GoStmt:
			t.Errorf("%s: go statement", fset.Position(n.Pos()))
		case *ast.SelectorExpr:
			if id, ok := n.X.(*ast.Ident); ok && id.Name == "time" && (n.Sel.Name == "Now" || n.Sel.Name == "Since" || n.Sel.Name == "Until" || n.Sel.Name == "Sleep" || n.Sel.Name == "After" || n.Sel.Name == "NewTimer" || n.Sel.Name == "Tick") {
				t.Errorf("%s: time.%s reads the clock", fset.Position(n.Pos()), n.Sel.Name)
			}
		}
		return true
	})
}
