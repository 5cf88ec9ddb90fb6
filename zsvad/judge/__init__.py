"""LLM judgment of caption windows through YAML prompt templates."""
