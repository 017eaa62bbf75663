// Tests for RecastDiagnostics land here.
