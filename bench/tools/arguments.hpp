#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::bench {

// The "--name value" and "--flag" options of the bench programs. Every getter removes what it
// read, so finish() can refuse whatever is left: a misspelt option must not silently fall back
// to a default and skew a measurement. Throws std::invalid_argument (a config boundary).
class Arguments {
  public:
    Arguments(int argc, char** argv) : words_(argv + 1, argv + argc) {}

    bool flag(std::string_view name) {
        for (auto word = words_.begin(); word != words_.end(); ++word) {
            if (*word == name) {
                words_.erase(word);
                return true;
            }
        }
        return false;
    }

    std::string text(std::string_view name, std::string fallback) {
        for (auto word = words_.begin(); word != words_.end(); ++word) {
            if (*word != name) {
                continue;
            }
            if (word + 1 == words_.end()) {
                throw std::invalid_argument(std::string(name) + " needs a value");
            }
            std::string value = *(word + 1);
            words_.erase(word, word + 2);
            return value;
        }
        return fallback;
    }

    std::uint64_t number(std::string_view name, std::uint64_t fallback) {
        const std::string value = text(name, std::to_string(fallback));
        std::size_t used = 0;
        std::uint64_t parsed = 0;
        try {
            parsed = std::stoull(value, &used, 0);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != value.size() || value.empty() || value.front() == '-') {
            throw std::invalid_argument(std::string(name) + ": not a number: " + value);
        }
        return parsed;
    }

    double seconds(std::string_view name, double fallback) {
        const std::string value = text(name, std::to_string(fallback));
        std::size_t used = 0;
        double parsed = 0;
        try {
            parsed = std::stod(value, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != value.size() || parsed < 0) {
            throw std::invalid_argument(std::string(name) +
                                        ": not a duration in seconds: " + value);
        }
        return parsed;
    }

    void finish() const {
        if (!words_.empty()) {
            throw std::invalid_argument("unknown argument: " + words_.front());
        }
    }

  private:
    std::vector<std::string> words_;
};

}  // namespace sluice::bench
