/**
 * The {@code bench} command's workloads: kernels (GEMM GFLOP/s, memory bandwidth), training
 * throughput, the UltraMem layer at reference shapes, decoding, and serving (the HTTP server under
 * closed-loop load on loopback: {@code ServeBench}, {@code LoadClient}), and the soak (the server
 * overloaded for minutes with every response validated: {@code SoakBench}, {@code SoakClient},
 * {@code ResponseValidator}, {@code HeapMonitor}). Benchmarks warm up, take medians
 * over at least five repetitions and report ratios to the reference points of
 * {@code java-engineering.md}. Tests never assert on their timings.
 */
package org.ultramem.bench;
