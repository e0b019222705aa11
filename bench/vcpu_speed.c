// How fast each CPU of this machine runs the same arithmetic loop, pinned to it in turn: on the
// project's VMs the two vCPUs were not equally fast, and which one was slower changed within
// minutes (one run: 214 and 355 ms; earlier that hour a thumbnail took 30.4 ms on the other one and
// 22.0 on this one). The guest counts that as CPU time, so CPU per image depends on where and when
// it ran; bench/run.sh prints this at its start and end, beside its CPU comparisons.
//
//   vcpu_speed        -> "cpu0 214 ms, cpu1 355 ms" (the best of 3 loops on each CPU)
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static double loop_ms(void) {
    volatile unsigned long x = 0;
    const double start = now_ms();
    for (unsigned long i = 0; i < 300000000UL; i++) x += i * i;
    return now_ms() - start;
}

int main(void) {
    const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    for (long c = 0; c < cpus; c++) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(c, &set);
        if (sched_setaffinity(0, sizeof set, &set) != 0) continue;
        double best = 1e18;
        for (int r = 0; r < 3; r++) {
            const double ms = loop_ms();
            if (ms < best) best = ms;
        }
        printf("%scpu%ld %.0f ms", c ? ", " : "", c, best);
    }
    printf("\n");
    return 0;
}
