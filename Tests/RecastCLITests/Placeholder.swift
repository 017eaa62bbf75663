// Tests for RecastCLI land here.
