print("pmu")
