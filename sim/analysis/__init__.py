"""What the runs mean: stylized facts, history, calibration, sensitivity and scenario discovery."""
