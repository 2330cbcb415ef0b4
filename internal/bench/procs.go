package bench

import "runtime"

// testingProcs is GOMAXPROCS, which RunParallel multiplies by the
// parallelism to get its number of goroutines.
func testingProcs() int { return runtime.GOMAXPROCS(0) }
