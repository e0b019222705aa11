#include "core/pipeline/vips_setup.h"

#include <gtest/gtest.h>

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    imgpipe::start_vips(argv[0], 1);
    return RUN_ALL_TESTS();
}
