// What the fsync at the end of an upload waits for, by how the file was written (issue 14):
// writes MB megabytes in 256 KB pieces at RATE MB/s (as an upload arrives), asking the disk along
// the way every EVERY_KB kilobytes to start writing (`range`: sync_file_range, what Spool's
// write-behind does) or to flush (`datasync`: fdatasync, what SpoolFeeder's flush-behind does),
// or neither (`none`); then fsyncs and prints how long the writing and the final fsync took.
//
//   cc -O2 -o flush_cost bench/flush_cost.c
//   ./flush_cost DIR MB RATE none|range|datasync EVERY_KB
//
// On the project's VMs (ext4 on virtio) the final fsync of 50 MB took ~25 ms with `range` at any
// interval and ~2 ms with `datasync` every 4-16 MB: the host pays for cached writes at the flush.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char** argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: %s DIR MB RATE none|range|datasync EVERY_KB\n", argv[0]);
        return 2;
    }
    const size_t total = (size_t)atol(argv[2]) << 20, chunk = 256 << 10;
    const double rate = atof(argv[3]) * 1048576.0;
    const char* mode = argv[4];
    const size_t every = (size_t)atol(argv[5]) << 10;
    char path[4096];
    snprintf(path, sizeof path, "%s/flush-cost-XXXXXX", argv[1]);
    const int fd = mkstemp(path);
    if (fd < 0) {
        perror("mkstemp");
        return 1;
    }
    char* buf = malloc(chunk);
    memset(buf, 7, chunk);
    const double start = now();
    size_t done = 0, asked = 0;
    while (done < total) {
        if (write(fd, buf, chunk) != (ssize_t)chunk) {
            perror("write");
            return 1;
        }
        done += chunk;
        if (every && done - asked >= every) {
            if (strcmp(mode, "range") == 0) sync_file_range(fd, asked, done - asked, SYNC_FILE_RANGE_WRITE);
            if (strcmp(mode, "datasync") == 0) fdatasync(fd);
            asked = done;
        }
        while (now() < start + done / rate) {} // the pace of an upload
    }
    const double written = now();
    fsync(fd);
    const double synced = now();
    printf("%s every %zu KB: writing %.1f ms, final fsync %.1f ms\n", mode, every >> 10,
           (written - start) * 1e3, (synced - written) * 1e3);
    close(fd);
    unlink(path);
    free(buf);
    return 0;
}
