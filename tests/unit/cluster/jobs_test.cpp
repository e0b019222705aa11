#include "cluster/jobs.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace imgpipe::cluster {
namespace {

TEST(Jobs, ATransformJobSurvivesTheWireWithItsLimits) {
    Job job;
    job.kind = Job::Kind::transform;
    job.key = "0b4e7c3c-5b1a-4a7e-9a59-0d5a6f0e1a2b/rotate:10|convert:png";
    job.request_id = "r1";
    job.deadline_ms = 1234567890123;
    job.original = ObjectInfo{"0b4e7c3c-5b1a-4a7e-9a59-0d5a6f0e1a2b", "image/jpeg", 42, "\"e\"", "naïve \"x\".jpg", 640, 480};
    job.chain = "rotate:10|convert:png";
    job.limits.max_source_pixels = 1000;
    job.limits.processing_timeout_ms = 7;
    job.limits.max_frames = 9;
    job.limits.max_animation_pixels = 12345;
    job.output.webp_quality = 33;
    const Job back = decode_job(encode(job));
    EXPECT_EQ(back.kind, Job::Kind::transform);
    EXPECT_EQ(back.key, job.key);
    EXPECT_EQ(back.deadline_ms, job.deadline_ms);
    EXPECT_EQ(back.original.filename, job.original.filename);
    EXPECT_EQ(back.original.width, 640);
    EXPECT_EQ(back.chain, job.chain);
    EXPECT_EQ(back.limits.max_source_pixels, 1000u);
    EXPECT_EQ(back.limits.processing_timeout_ms, 7);
    EXPECT_EQ(back.limits.max_frames, 9);
    EXPECT_EQ(back.limits.max_animation_pixels, 12345u);
    EXPECT_EQ(back.output.webp_quality, 33);
}

TEST(Jobs, LimitsFromAnOlderNodeTakeTheDefaultsOfFieldsTheyLack) {
    // During a rolling upgrade an API node without the animation limits may send jobs.
    Job job;
    job.kind = Job::Kind::transform;
    job.key = "k";
    job.chain = "convert:png";
    job.limits.max_ops = 5;
    nlohmann::json j = nlohmann::json::parse(encode(job));
    j["limits"].erase("max_frames");
    j["limits"].erase("max_animation_pixels");
    const Job back = decode_job(j.dump());
    EXPECT_EQ(back.limits.max_ops, 5);
    EXPECT_EQ(back.limits.max_frames, LimitsConfig{}.max_frames);
    EXPECT_EQ(back.limits.max_animation_pixels, LimitsConfig{}.max_animation_pixels);
}

TEST(Jobs, AnIngestJobAndResultsSurviveTheWire) {
    Job job;
    job.kind = Job::Kind::ingest;
    job.key = "id";
    job.staging = "id/upload";
    job.size = 5;
    job.etag = "\"abc\"";
    job.filename = "a.png";
    const Job back = decode_job(encode(job));
    EXPECT_EQ(back.kind, Job::Kind::ingest);
    EXPECT_EQ(back.staging, "id/upload");
    EXPECT_EQ(back.size, 5u);

    Result failed;
    failed.key = "k";
    failed.code = ErrorCode::image_too_large;
    failed.message = "too big";
    const auto r = decode_result(encode(failed));
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->ok);
    EXPECT_EQ(r->code, ErrorCode::image_too_large) << "the same code, so the same status";
    EXPECT_EQ(r->message, "too big");
    EXPECT_FALSE(decode_result("{not json"));
    EXPECT_THROW(decode_job("{}"), Error);
}

TEST(Jobs, EveryErrorCodeNameMapsBack) {
    for (int c = 0; c <= static_cast<int>(ErrorCode::internal); ++c) {
        const auto code = static_cast<ErrorCode>(c);
        EXPECT_EQ(error_code_from_name(error_code_name(code)), code) << error_code_name(code);
    }
    EXPECT_EQ(error_code_from_name("no such code"), ErrorCode::internal);
}

TEST(Jobs, SubjectsNameKeysByHashAndStayValidNatsTokens) {
    const Names n("c1");
    EXPECT_EQ(n.stream, "c1_jobs");
    const std::string s = n.job_subject("id/rotate:10|convert:png scale.x");
    EXPECT_EQ(s.rfind("c1.jobs.", 0), 0u);
    EXPECT_EQ(s.find_first_of(" *>", 0), std::string::npos);
    EXPECT_EQ(std::count(s.begin(), s.end(), '.'), 2);
    EXPECT_EQ(n.job_subject("a"), n.job_subject("a"));
    EXPECT_NE(n.job_subject("a"), n.job_subject("b"));
    EXPECT_EQ(n.done_subject("a").substr(8), n.job_subject("a").substr(8));
}

TEST(Jobs, AJobIsFarBelowTheSixteenKilobytePayload) {
    Job job;
    job.key = std::string(36, 'a') + "/" + std::string(2000, 'r'); // a long chain
    job.chain = std::string(2000, 'r');
    job.original.filename = std::string(255, 'f');
    EXPECT_LT(encode(job).size(), 8u * 1024);
}

} // namespace
} // namespace imgpipe::cluster
