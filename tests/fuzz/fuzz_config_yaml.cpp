// libFuzzer target: arbitrary bytes as sluiced.yaml. parse_config must never crash, must say why
// it refused a file, and whatever it accepts must print (to_yaml) to a file that loads back to
// the same config, so `--check-config` and the daemon never disagree about a file.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "daemon/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    sluice::Diagnostics diagnostics;
    const auto config = sluice::parse_config(text, "fuzz.yaml", diagnostics);
    if (!config) {
        if (diagnostics.empty()) {
            std::abort();
        }
        return 0;
    }
    if (!diagnostics.empty()) {
        std::abort();
    }
    sluice::Diagnostics reread_diagnostics;
    const auto reread =
        sluice::parse_config(sluice::to_yaml(*config), "fuzz.yaml", reread_diagnostics);
    if (!reread || !(*reread == *config)) {
        std::abort();
    }
    return 0;
}
