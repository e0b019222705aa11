#include "core/errors.h"
#include "core/ops/parse.h"
#include "core/pipeline/execute.h"
#include "core/pipeline/mipmap.h"
#include "core/pipeline/plan.h"
#include "support/test_images.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <iostream>

namespace imgpipe {
namespace {

SourceInfo jpeg_source(int w, int h) { return SourceInfo{"image/jpeg", Format::jpeg, w, h, 1}; }

Plan plan_of(std::string_view chain, SourceInfo src, LimitsConfig limits = {},
             PlanMode mode = PlanMode::planned) {
    return make_plan(parse_chain({chain}, 16), src, limits, mode);
}

TEST(Plan, RotateThenDownscaleShrinksOnLoad) {
    const Plan p = plan_of("rotate:10|convert:png|scale:200x100", jpeg_source(2560, 1600));
    ASSERT_TRUE(p.shrink_on_load);
    // s = max(200 / bw, 100 / bh) with the rotated bounding box of 2560x1600 at 10 degrees.
    const double bw = 2560 * std::cos(10 * M_PI / 180) + 1600 * std::sin(10 * M_PI / 180);
    const double bh = 2560 * std::sin(10 * M_PI / 180) + 1600 * std::cos(10 * M_PI / 180);
    // The rotation then runs on twice the pixels the scale needs (kRotateOversample).
    const double s = 2 * std::max(200 / bw, 100 / bh);
    EXPECT_NEAR(p.shrink_on_load->width, std::ceil(2560 * s), 1);
    EXPECT_NEAR(p.shrink_on_load->height, std::ceil(1600 * s), 1);
    EXPECT_EQ(p.output, Format::png);
    EXPECT_EQ(p.output_size.width, 200);
    EXPECT_EQ(p.output_size.height, 100);
}

TEST(Plan, ScaleOnlyChainsShrinkToTheTargetItself) {
    const Plan p = plan_of("scale:400x300|convert:webp", jpeg_source(2560, 1600));
    ASSERT_TRUE(p.shrink_on_load);
    EXPECT_EQ(p.shrink_on_load->width, 480); // max(400/2560, 300/1600) = 0.1875
    EXPECT_EQ(p.shrink_on_load->height, 300);
}

TEST(Plan, NoShrinkForUpscalesOrLiteralMode) {
    EXPECT_FALSE(plan_of("scale:4000x100", jpeg_source(2560, 1600)).shrink_on_load);
    EXPECT_FALSE(plan_of("scale:2000x", jpeg_source(2560, 1600)).shrink_on_load); // small gain
    EXPECT_FALSE(plan_of("scale:200x100", jpeg_source(2560, 1600), {}, PlanMode::literal).shrink_on_load);
    EXPECT_FALSE(plan_of("rotate:10|convert:png", jpeg_source(2560, 1600)).shrink_on_load);
}

TEST(Plan, OutputFormatIsTheLastConvertOrTheSource) {
    EXPECT_EQ(plan_of("convert:png|convert:webp", jpeg_source(10, 10)).output, Format::webp);
    EXPECT_EQ(plan_of("rotate:90", jpeg_source(10, 10)).output, Format::jpeg);
}

TEST(Plan, OutputLimitsAreEnforcedOnEveryStep) {
    LimitsConfig limits;
    limits.max_output_width = 1000;
    limits.max_output_height = 1000;
    EXPECT_THROW(plan_of("scale:1001x10", jpeg_source(100, 100), limits), Error);
    EXPECT_NO_THROW(plan_of("scale:1000x1000", jpeg_source(100, 100), limits));
    // A huge intermediate is refused even when a later step shrinks it again.
    try {
        plan_of("scale:100000x100000|scale:10x10", jpeg_source(100, 100), limits);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::output_too_large);
        EXPECT_NE(std::string(e.what()).find("scale:100000x100000"), std::string::npos);
    }
    // A rotation of a large source may exceed the output limit on its way to a small result.
    EXPECT_NO_THROW(plan_of("rotate:45|scale:100x100", jpeg_source(1000, 1000), limits));
    EXPECT_THROW(plan_of("rotate:45", jpeg_source(1000, 1000), limits), Error);
}

TEST(Plan, CropBeforeADownscaleShrinksOnLoad) {
    // The scale needs max(320 / 1280, 200 / 800) = 1/4 of the crop, so 1/4 of the source will do.
    const Plan p = plan_of("crop:640,400,1280,800|scale:320x200", jpeg_source(2560, 1600));
    ASSERT_TRUE(p.shrink_on_load);
    EXPECT_EQ(p.shrink_on_load->width, 640);
    EXPECT_EQ(p.shrink_on_load->height, 400);
    EXPECT_EQ(p.shrunk_ops, 1u);
    EXPECT_EQ(p.output_size, (Size{320, 200}));
    // Gravity crops and flips commute too; the crop's output size (clipped) sets the shrink.
    const Plan g = plan_of("flip:v|crop:5000x800:south|flip:h|scale:x100", jpeg_source(2560, 1600));
    ASSERT_TRUE(g.shrink_on_load);
    EXPECT_EQ(g.shrunk_ops, 3u);
    EXPECT_EQ(g.shrink_on_load->height, 200); // max(320 / 2560, 100 / 800) = 1/8
    EXPECT_EQ(g.output_size, (Size{320, 100}));
}

TEST(Plan, FitIsTheFirstResize) {
    const Plan inside = plan_of("fit:300x300", jpeg_source(2560, 1600));
    EXPECT_EQ(inside.output_size, (Size{300, 188}));
    ASSERT_TRUE(inside.shrink_on_load);
    EXPECT_EQ(inside.shrunk_ops, 0u);
    EXPECT_GE(inside.shrink_on_load->height, 188); // never fewer pixels than the fit needs
    EXPECT_EQ(inside.resized, (Size{300, 188}));   // what the executor holds the fit to
    // cover: the box decides, s = max(300 / 2560, 300 / 1600): enough to fill it after cropping.
    const Plan cover = plan_of("flip:h|fit:300x300:cover", jpeg_source(2560, 1600));
    ASSERT_TRUE(cover.shrink_on_load);
    EXPECT_EQ(cover.shrunk_ops, 1u);
    EXPECT_EQ(cover.shrink_on_load->width, 480);
    EXPECT_EQ(cover.shrink_on_load->height, 300);
    // contain: the box too, more than the picture inside it needs (300x188): conservative.
    const Plan contain = plan_of("fit:300x300:contain", jpeg_source(2560, 1600));
    ASSERT_TRUE(contain.shrink_on_load);
    EXPECT_EQ(contain.shrink_on_load->height, 300);
    EXPECT_EQ(contain.output_size, (Size{300, 300}));
    // A fit after a scale: the scale is the first resize.
    const Plan second = plan_of("scale:1280x800|fit:100x100", jpeg_source(2560, 1600));
    ASSERT_TRUE(second.shrink_on_load);
    EXPECT_EQ(second.shrink_on_load->width, 1280);
}

TEST(Plan, CropWhollyOutsideTheImageIsRefused) {
    try {
        plan_of("scale:200x100|crop:300,0,10,10", jpeg_source(2560, 1600));
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::invalid_chain);
        const std::string msg = e.what();
        EXPECT_NE(msg.find("crop:300,0,10,10"), std::string::npos) << msg;
        EXPECT_NE(msg.find("outside the 200x100 image"), std::string::npos) << msg;
    }
}

// Planned (shrink-on-load) and literal (full resolution, in order) results must be the same
// picture: PLANNING.md asks for PSNR >= 30 dB on photos for every rewritten ordering.
class PlannedMatchesLiteral : public ::testing::TestWithParam<const char*> {};

// One 2560x1600 photo and its mipmap for every chain (making them costs seconds; unit_tests runs
// as one process), in a file of this process's own, removed at exit.
struct PlanPhoto {
    std::string path = (std::filesystem::temp_directory_path() /
                        ("imgpipe-plan-photo-" + std::to_string(::getpid()) + ".jpg")).string();
    Mipmap mipmap;
    PlanPhoto() {
        test::write_file(path, test::encode(test::photo_like(2560, 1600, 3), ".jpg[Q=92]"));
        mipmap = make_mipmap(path);
    }
    ~PlanPhoto() { std::filesystem::remove(path); }
};
const PlanPhoto& plan_photo() {
    static const PlanPhoto photo;
    return photo;
}

TEST_P(PlannedMatchesLiteral, Psnr) {
    const std::string& path = plan_photo().path;
    const Chain chain = parse_chain({GetParam()}, 16);
    const SourceInfo src = jpeg_source(2560, 1600);
    const Plan planned = make_plan(chain, src, {}, PlanMode::planned);
    const Plan literal = make_plan(chain, src, {}, PlanMode::literal);
    ASSERT_TRUE(planned.shrink_on_load) << "the planner should rewrite " << GetParam();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    const auto a = test::decode(execute(path, planned, OutputConfig{}, deadline).bytes);
    const auto b = test::decode(execute(path, literal, OutputConfig{}, deadline).bytes);
    ASSERT_EQ(a.width(), b.width());
    ASSERT_EQ(a.height(), b.height());
    const double db = test::psnr(a, b);
    RecordProperty("psnr_db", std::to_string(db));
    std::cout << "PSNR planned vs literal, " << GetParam() << ": " << db << " dB\n";
    EXPECT_GE(db, 30.0) << GetParam();
}

// The same chains served from the mipmap made at upload (1024 pixels on the long side).
TEST_P(PlannedMatchesLiteral, PsnrFromMipmap) {
    const std::filesystem::path path = plan_photo().path;
    const Mipmap& m = plan_photo().mipmap;
    ASSERT_EQ(m.width, 1024);
    ASSERT_EQ(m.height, 640);
    const Chain chain = parse_chain({GetParam()}, 16);
    const SourceInfo src = jpeg_source(2560, 1600);
    const Plan planned = make_plan(chain, src, {}, PlanMode::planned);
    ASSERT_TRUE(planned.shrink_on_load);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    const auto a = test::decode(
        execute_from(mipmap_image(m.pixels, m.width, m.height, m.bands), planned, OutputConfig{}, deadline).bytes);
    const auto b = test::decode(
        execute(path.string(), make_plan(chain, src, {}, PlanMode::literal), OutputConfig{}, deadline).bytes);
    ASSERT_EQ(a.width(), b.width());
    ASSERT_EQ(a.height(), b.height());
    const double db = test::psnr(a, b);
    std::cout << "PSNR from mipmap vs literal, " << GetParam() << ": " << db << " dB\n";
    EXPECT_GE(db, 30.0) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Chains, PlannedMatchesLiteral,
                         ::testing::Values("rotate:10|convert:png|scale:200x100",
                                           "scale:400x300|convert:webp",
                                           "convert:png|rotate:45|scale:300x",
                                           "rotate:30|rotate:-20|scale:x200|convert:png",
                                           "rotate:90|scale:160x256|convert:png",
                                           "rotate:10|scale:200x100|rotate:5|convert:png"));

// crop, flip and fit (a keep-aspect resize: its derived side must come out as planned, 300x188).
// Content crops are not here: on photo_like, whose detail is even everywhere, any region is as
// good as another and the shrunk choice differed now and then (13.9 dB once in 8 runs); they are
// checked on a picture with one subject below.
INSTANTIATE_TEST_SUITE_P(Geometry, PlannedMatchesLiteral,
                         ::testing::Values("crop:301,77,1999,1201|scale:320x200|convert:png",
                                           "flip:h|crop:1000x600:southeast|flip:v|scale:250x150",
                                           "crop:1200x900:north|scale:300x225",
                                           "fit:300x300|convert:png",
                                           "flip:v|fit:300x300:cover:north",
                                           "fit:400x400:contain|convert:png",
                                           "crop:2000x1200:southwest|fit:200x200:outside"));

// smart and entropy before a downscale choose their region on the shrunk image: on a picture with
// one detailed subject both runs must pick it. (On a picture whose entropy is even everywhere, as
// photo_like's, entropy's choice is arbitrary and may differ between the two: measured 24-43 dB.)
TEST(Plan, ContentCropsPickTheSameRegionShrunk) {
    using vips::VImage;
    const auto path = (std::filesystem::temp_directory_path() / "imgpipe-plan-subject.jpg").string();
    const VImage ramp = (VImage::xyz(2560, 1600)[0] * (100.0 / 2560) + 80).cast(VIPS_FORMAT_UCHAR);
    // The subject: a saturated checkerboard of 25-pixel squares, the same every run (photo_like is
    // random per call, and 1 run in ~10 attention then placed the crop differently: 21 dB once).
    const VImage xy = VImage::xyz(400, 300) / 25;
    const VImage cells = (xy[0].floor() + xy[1].floor()).remainder_const({2.0});
    const VImage subject = (cells * std::vector<double>{220, -160, 180} + std::vector<double>{20, 200, 40})
                               .cast(VIPS_FORMAT_UCHAR);
    const VImage scene = VImage::bandjoin({ramp, ramp, ramp})
                             .copy(VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB))
                             .insert(subject, 1900, 1100);
    test::write_file(path, test::encode(scene, ".jpg[Q=92]"));
    const SourceInfo src = jpeg_source(2560, 1600);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    for (const char* c : {"crop:800x600:smart|scale:200x150", "crop:800x600:entropy|scale:200x150"}) {
        const Chain chain = parse_chain({c}, 16);
        const Plan planned = make_plan(chain, src, {}, PlanMode::planned);
        ASSERT_TRUE(planned.shrink_on_load) << c;
        const auto a = test::decode(execute(path, planned, OutputConfig{}, deadline).bytes);
        const auto b = test::decode(execute(path, make_plan(chain, src, {}, PlanMode::literal), OutputConfig{}, deadline).bytes);
        ASSERT_EQ(a.width(), 200);
        ASSERT_EQ(b.height(), 150);
        const double db = test::psnr(a, b);
        std::cout << "PSNR planned vs literal, " << c << " (one subject): " << db << " dB\n";
        EXPECT_GE(db, 30.0) << c;
        // The subject is in the result: detail, not the smooth ramp.
        EXPECT_GT(a.deviate(), 20.0) << c;
    }
}

// blur commutes with the shrink (its sigma rescaled); sharpen is a barrier; grayscale, background
// and quality commute as they are.
TEST(Plan, FiltersBeforeADownscale) {
    const Plan blur = plan_of("blur:8|scale:400x250", jpeg_source(2560, 1600));
    ASSERT_TRUE(blur.shrink_on_load);
    EXPECT_EQ(blur.shrunk_ops, 1u);
    EXPECT_NEAR(std::get<Blur>(op_rescaled(blur.ops[0], 0.25, 0.25)).sigma, 2.0, 1e-9);
    EXPECT_FALSE(plan_of("sharpen|scale:400x250", jpeg_source(2560, 1600)).shrink_on_load);
    const Plan after = plan_of("scale:400x250|sharpen", jpeg_source(2560, 1600));
    EXPECT_TRUE(after.shrink_on_load) << "a sharpen after the resize stops nothing";
    const Plan mixed = plan_of("background:ff0000|grayscale|rotate:10|quality:40|scale:400x", jpeg_source(2560, 1600));
    ASSERT_TRUE(mixed.shrink_on_load);
    EXPECT_EQ(mixed.quality, 40);
}

INSTANTIATE_TEST_SUITE_P(Filters, PlannedMatchesLiteral,
                         ::testing::Values("blur:6|scale:400x250", "grayscale|blur:1.5|rotate:10|scale:300x|convert:png"));

} // namespace
} // namespace imgpipe
