from safecampus.cli import main

main()
