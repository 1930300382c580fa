"""Side effects: providers, PDFs, webhooks, read-model writes. Each activity takes one input."""
