"""License knowledge (criteria/licenses/*.yaml), aliases, text identification and red-flag heuristics."""
