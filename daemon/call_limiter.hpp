#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "daemon/rate_limiter.hpp"

namespace sluice {

// Bounds the D-Bus calls each client (unique bus name) may make: a token bucket per client,
// so one flooding client gets Error.Busy while everyone else is served. The table of clients
// is bounded too: when full, it is cleared, which only ever gives clients fresh buckets.
// Bus thread only.
class CallLimiter {
  public:
    struct Limits {
        RateLimiter::Limits per_client{50.0, 200.0};
        std::size_t max_clients = 4096;
    };

    explicit CallLimiter(Limits limits) : limits_(limits) {}

    // True when `client` may make one more call at `now`.
    bool admit(const std::string& client, std::chrono::steady_clock::time_point now);
    // The client left the bus.
    void forget(const std::string& client) { clients_.erase(client); }

    [[nodiscard]] std::uint64_t refused() const { return refused_; }
    [[nodiscard]] std::size_t clients() const { return clients_.size(); }

  private:
    Limits limits_;
    std::unordered_map<std::string, RateLimiter> clients_;
    std::uint64_t refused_ = 0;
};

}  // namespace sluice
