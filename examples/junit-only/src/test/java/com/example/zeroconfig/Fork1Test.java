package com.example.zeroconfig;

class Fork1Test extends AbstractFork {}
