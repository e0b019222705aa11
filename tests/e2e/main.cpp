#include <curl/curl.h>
#include <gtest/gtest.h>
#include <vips/vips8>

#include "e2e/harness.h"

#include <cstring>

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    // ctest runs the whole suite three times: as it is (local disk), with --storage=s3, and
    // against a cluster with --storage=cluster.
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--storage=s3") == 0) imgpipe::e2e::set_s3_mode(true);
        if (std::strcmp(argv[i], "--storage=cluster") == 0) imgpipe::e2e::set_cluster_mode(true);
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (VIPS_INIT(argv[0]) != 0) return 1; // tests decode what the server returns
    return RUN_ALL_TESTS();
}
