// PNG plots for reports, drawn by gnuplot (pngcairo) from data files the report writes beside
// them; without gnuplot the data files remain and the caller says so in the report.
#pragma once

#include <string>
#include <vector>

#include "deeprc/core/status.h"

namespace deeprc::pipeline {

// Whether `gnuplot` is on the PATH (looked up once).
bool GnuplotAvailable();

// Runs gnuplot on `terminal`, then `body` (the script, kept next to `png` as .gp) with the output
// set by this function: the plot is drawn into a temporary and renamed to `png` only when gnuplot
// succeeds. An error without gnuplot, or with gnuplot's message when it fails.
Status RunGnuplot(const std::string& terminal, const std::string& body, const std::string& png);

// Truth against forecast over time: `data` holds "time truth forecast" rows (time as
// YYYY-MM-DDTHH:MM:SS, tab-separated).
Status PlotForecast(const std::string& data, const std::string& png, const std::string& title);

// Tasks over time: `data` holds "row start end label state" rows (seconds from the start,
// tab-separated), one horizontal bar per task, coloured by final state.
Status PlotTimeline(const std::string& data, const std::string& png, const std::string& title, int rows);

}  // namespace deeprc::pipeline
