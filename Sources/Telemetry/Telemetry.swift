// Worker metrics and the HTTP endpoint that serves them; see ../shared/DESIGN.md.
