#include "core/metrics.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace imgpipe {
namespace {

TEST(Metrics, SameNameAndLabelsIsTheSameSeries) {
    Metrics m;
    Counter& a = m.counter("x_total", "help", {{"route", "image"}});
    Counter& b = m.counter("x_total", "help", {{"route", "image"}});
    Counter& c = m.counter("x_total", "help", {{"route", "bytes"}});
    EXPECT_EQ(&a, &b);
    EXPECT_NE(&a, &c);
    a.inc();
    b.inc(2);
    c.inc();
    const std::string text = m.prometheus();
    EXPECT_NE(text.find("# HELP x_total help\n# TYPE x_total counter\n"), std::string::npos) << text;
    EXPECT_NE(text.find("x_total{route=\"image\"} 3\n"), std::string::npos) << text;
    EXPECT_NE(text.find("x_total{route=\"bytes\"} 1\n"), std::string::npos) << text;
    EXPECT_EQ(text.find("# TYPE x_total", text.find("# TYPE x_total") + 1), std::string::npos)
        << "one HELP/TYPE per family";
}

TEST(Metrics, OneNameHasOneType) {
    Metrics m;
    m.counter("y", "h");
    EXPECT_THROW(m.gauge("y", "h"), std::logic_error);
}

TEST(Metrics, LabelValuesAndHelpAreEscaped) {
    Metrics m;
    m.gauge("g", "a \\ b\nc", {{"path", "a\"b\\c\nd"}}).set(1.5);
    const std::string text = m.prometheus();
    EXPECT_NE(text.find("# HELP g a \\\\ b\\nc\n"), std::string::npos) << text;
    EXPECT_NE(text.find("g{path=\"a\\\"b\\\\c\\nd\"} 1.5\n"), std::string::npos) << text;
}

TEST(Metrics, HistogramBucketsAreCumulativeAndCountIsTheInfBucket) {
    Metrics m;
    static constexpr double bounds[] = {0.1, 1, 10};
    Histogram& h = m.histogram("lat_seconds", "h", bounds, {{"stage", "encode"}});
    for (double v : {0.05, 0.1, 0.5, 5.0, 50.0}) h.observe(v);
    const std::string text = m.prometheus();
    EXPECT_NE(text.find("lat_seconds_bucket{stage=\"encode\",le=\"0.1\"} 2\n"), std::string::npos) << text;
    EXPECT_NE(text.find("lat_seconds_bucket{stage=\"encode\",le=\"1\"} 3\n"), std::string::npos) << text;
    EXPECT_NE(text.find("lat_seconds_bucket{stage=\"encode\",le=\"10\"} 4\n"), std::string::npos) << text;
    EXPECT_NE(text.find("lat_seconds_bucket{stage=\"encode\",le=\"+Inf\"} 5\n"), std::string::npos) << text;
    EXPECT_NE(text.find("lat_seconds_count{stage=\"encode\"} 5\n"), std::string::npos) << text;
    EXPECT_NE(text.find("lat_seconds_sum{stage=\"encode\"} 55.65\n"), std::string::npos) << text;
}

TEST(Metrics, ReadAtScrapeAndConcurrentCounting) {
    Metrics m;
    double level = 7;
    m.gauge_fn("level", "h", [&level] { return level; });
    Histogram& h = m.histogram("t_seconds", "h");
    Counter& c = m.counter("n_total", "h");
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 10000; ++i) {
                c.inc();
                h.observe(0.003);
            }
        });
    }
    for (auto& t : threads) t.join();
    level = 9;
    const std::string text = m.prometheus();
    EXPECT_NE(text.find("level 9\n"), std::string::npos) << text;
    EXPECT_NE(text.find("n_total 40000\n"), std::string::npos) << text;
    EXPECT_NE(text.find("t_seconds_count 40000\n"), std::string::npos) << text;
    EXPECT_EQ(h.count(), 40000u);
}

} // namespace
} // namespace imgpipe
