from volia.cli import main

main()
