// "Did you mean ...?" for every place that rejects a name (spec keys, task fields, operators):
// the allowed name closest to a misspelt one.
#pragma once

#include <string>
#include <vector>

namespace deeprc {

// The name of `allowed` within two edits (Levenshtein) of `name`, the closest first; "" when none
// is that close, so unrelated names are never suggested.
std::string NearestName(const std::string& name, const std::vector<std::string>& allowed);

}  // namespace deeprc
