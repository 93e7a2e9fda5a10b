from servicecraft.cli import main

main()
