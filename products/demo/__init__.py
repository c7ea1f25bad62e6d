"""Demo and scale data: Phayao's demo (phayao) and the country-sized registry generator (scale)."""
