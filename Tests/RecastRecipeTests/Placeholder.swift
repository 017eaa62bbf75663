// Tests for RecastRecipe land here.
