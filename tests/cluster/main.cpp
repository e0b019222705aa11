#include <curl/curl.h>
#include <gtest/gtest.h>
#include <vips/vips8>

#include "e2e/harness.h"

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    imgpipe::e2e::set_cluster_mode(true); // every ServerProcess here is a cluster
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (VIPS_INIT(argv[0]) != 0) return 1;
    return RUN_ALL_TESTS();
}
