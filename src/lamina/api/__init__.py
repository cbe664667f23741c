"""lamina's use cases: one module each, a plain function with typed frozen options in and a
typed result out. The CLI (lamina/cli/) only parses arguments into these options, calls the
function and formats its result; the libraries below never import this package."""
