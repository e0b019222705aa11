#include <curl/curl.h>
#include <gtest/gtest.h>
#include <vips/vips8>

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (VIPS_INIT(argv[0]) != 0) return 1; // tests decode what the server returns
    return RUN_ALL_TESTS();
}
