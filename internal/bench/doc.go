// Package bench holds kesu's end-to-end benchmarks: they start the real
// application (HTTP stack, services, database) and load it from concurrent
// clients over loopback. Figures are recorded in docs/benchmarks.md.
package bench
