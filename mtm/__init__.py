"""MTM warehouse: CLI, warehouse paths, build and publish orchestration."""
