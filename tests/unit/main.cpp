#include "core/pipeline/vips_setup.h"

#include <curl/curl.h>
#include <gtest/gtest.h>

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    imgpipe::start_vips(argv[0], 1);
    return RUN_ALL_TESTS();
}
