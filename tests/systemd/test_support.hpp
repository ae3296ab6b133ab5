#pragma once

#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

#include <chrono>
#include <memory>
#include <sstream>

#include "daemon/clock.hpp"

namespace sluice::testing {

class ManualClock final : public Clock {
  public:
    [[nodiscard]] std::chrono::steady_clock::time_point steady_now() const override {
        return steady;
    }
    [[nodiscard]] std::chrono::system_clock::time_point wall_now() const override { return wall; }
    std::chrono::steady_clock::time_point steady{std::chrono::hours(1)};
    std::chrono::system_clock::time_point wall{std::chrono::hours(24 * 365 * 56)};
};

// A logger whose lines ("LEVEL MESSAGE") land in a string stream.
struct CapturedLogger {
    std::ostringstream lines;
    std::shared_ptr<spdlog::logger> logger;

    CapturedLogger() {
        logger = std::make_shared<spdlog::logger>(
            "test", std::make_shared<spdlog::sinks::ostream_sink_st>(lines));
        logger->set_pattern("%l %v");
        logger->set_level(spdlog::level::info);
    }
};

}  // namespace sluice::testing
