"""Layer 2: one adapter per runtime (torch eager, ONNX Runtime, OpenVINO): a checked way to
create a session or compile a model, and a ``Runner`` the harness measures. Errors a learner
can cause come back as one ``AccelkitError`` sentence."""
