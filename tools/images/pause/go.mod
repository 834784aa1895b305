module kact.local/pause

go 1.22
