// A slow phase on demand: takes one CPU away from everything else for ON ms out of every ON + OFF,
// as the host took a vCPU of the project's VMs away in their slow phases (bench/vcpu_speed.c saw
// one vCPU at half speed for minutes; the guest reports no steal time). A SCHED_FIFO thread pinned
// to the CPU spins for ON ms and sleeps for OFF ms; every other thread that was running there waits
// meanwhile, the load generator's included. Needs root (real-time priority). bench/run.sh starts it
// for STEAL=CPU:ON:OFF.
//
//   steal 1 3 3      cpu1 at half speed, in 3 ms slices (vcpu_speed then reads ~2x on cpu1)
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long long now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000LL + t.tv_nsec / 1000;
}

int main(int argc, char** argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: steal CPU ON_MS OFF_MS\n");
        return 2;
    }
    const int cpu = atoi(argv[1]);
    const long on_us = atol(argv[2]) * 1000, off_us = atol(argv[3]) * 1000;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    struct sched_param param = {.sched_priority = 50};
    if (sched_setaffinity(0, sizeof set, &set) != 0 || sched_setscheduler(0, SCHED_FIFO, &param) != 0) {
        perror("steal: pinning at real-time priority (root only)");
        return 1;
    }
    // The kernel's real-time throttling (95% of each second by default) bounds ON / (ON + OFF).
    for (;;) {
        const long long end = now_us() + on_us;
        while (now_us() < end) {
        }
        const struct timespec pause = {off_us / 1000000, (off_us % 1000000) * 1000};
        nanosleep(&pause, NULL);
    }
}
